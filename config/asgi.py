"""ASGI entry point: HTTP through Django, WebSockets through Channels consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.middleware import SameOriginWebSocketValidator  # noqa: E402
from live.routing import websocket_urlpatterns  # noqa: E402
from live.worker import InferenceWorker  # noqa: E402
from ops.logs import RequestContextASGIMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": RequestContextASGIMiddleware(
            SameOriginWebSocketValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
        # `python manage.py runworker inference` serves this channel in production.
        "channel": ChannelNameRouter({settings.INFERENCE_CHANNEL: InferenceWorker.as_asgi()}),
    }
)
