"""A strict Content-Security-Policy: no inline script, no third-party origin; WebSockets from this site only."""

from collections.abc import Callable
from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host


def content_security_policy(host: str | None) -> str:
    """The policy for a page served as `host` (the request's validated Host). Sockets may go to this host only:
    'self' covers same-origin ws: and wss: in current browsers, but Safari before 16 needs them spelt out."""
    sockets = f" ws://{host} wss://{host}" if host else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Plotly writes style attributes on the elements it draws.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            f"connect-src 'self'{sockets}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            host: str | None = request.get_host()
        except DisallowedHost:
            host = None
        response.headers.setdefault("Content-Security-Policy", content_security_policy(host))
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        return response


class SameOriginWebSocketValidator:
    """Lets a WebSocket through only when its Origin is this site's own in full: scheme, host and port, as
    Django's CSRF check compares a form's Origin (channels' AllowedHostsOriginValidator compares the host
    name only, so a page on another port of the same host could open our sockets)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if websocket_origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def websocket_origin_allowed(scope: dict) -> bool:
    """True when the Origin header is `<scheme>://<Host header>` (the Host in ALLOWED_HOSTS; the scheme https
    when the socket came over TLS or SECURE_PROXY_SSL_HEADER says so, else http), or is in
    CSRF_TRUSTED_ORIGINS."""
    headers = {name.lower(): value.decode("latin1") for name, value in scope.get("headers", [])}
    origin, host = headers.get(b"origin", "").lower(), headers.get(b"host", "").lower()
    if not origin:
        return False
    if origin in (trusted.lower() for trusted in settings.CSRF_TRUSTED_ORIGINS):
        return True
    domain, _port = split_domain_port(host)
    allowed_hosts = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return (
        bool(domain) and validate_host(domain, allowed_hosts) and origin == f"{_site_scheme(scope, headers)}://{host}"
    )


def _site_scheme(scope: dict, headers: dict[bytes, str]) -> str:
    if scope.get("scheme") in ("wss", "https"):
        return "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        value = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower().encode(), "")
        if value.split(",", 1)[0].strip() == secure_value:
            return "https"
    return "http"
