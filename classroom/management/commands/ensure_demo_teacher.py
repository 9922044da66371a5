from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from classroom.demo import DEMO_PASSWORD, DEMO_USERNAME


class Command(BaseCommand):
    help = "On the embedded default (DEBUG, SQLite), create a demo teacher if no user exists yet."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="The port the app will be served on (for the hint).")

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if not settings.DEBUG or "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
            self.stdout.write("Not the embedded default: no demo teacher created (use createteacher).")
            return
        if not User.objects.exists():
            User.objects.create_user(username=DEMO_USERNAME, password=DEMO_PASSWORD, is_staff=True, is_superuser=True)
            self.stdout.write(self.style.SUCCESS("Created the demo teacher (also an admin)."))
        if User.objects.filter(username=DEMO_USERNAME).exists():
            self.stdout.write(
                f"Log in at http://127.0.0.1:{options['port']}/accounts/login/ as {DEMO_USERNAME!r} / "
                f"{DEMO_PASSWORD!r}; students join at http://127.0.0.1:{options['port']}/join/"
            )
