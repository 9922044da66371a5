from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a teacher account (a normal user who can create classes and run sessions)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="Default: asked for interactively.")
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, password: str | None, email: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        if password is None:
            import getpass

            password = getpass.getpass("Password: ")
        try:  # AUTH_PASSWORD_VALIDATORS: long enough, not common, not like the username or email
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError("That password is too weak: " + " ".join(exc.messages)) from exc
        User.objects.create_user(username=username, password=password, email=email)
        self.stdout.write(self.style.SUCCESS(f"Teacher {username!r} created. Log in at /accounts/login/."))
