import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from classroom.models import JOIN_CODE_LENGTH, ClassSession, Course, join_code_parse
from classroom.ratelimit import client_address, rate_limit_hit, rate_limit_reached
from classroom.selectors import emotion_choice_allowed


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["name"]
        labels = {"name": "Class name"}


class SessionStartForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["title", "frame_interval_s", "emotion_enabled", "show_snapshots", "sensitivity"]
        labels = {
            "title": "Session title (optional)",
            "frame_interval_s": "Seconds between snapshots",
            "emotion_enabled": "Estimate facial emotions",
            "show_snapshots": "Show students' latest snapshots on my dashboard",
            "sensitivity": "Flag sensitivity",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not emotion_choice_allowed():
            del self.fields["emotion_enabled"]


JOIN_CODE_FORMAT_ERROR = (
    f"A join code is {JOIN_CODE_LENGTH} letters and digits, like ABC234 (codes never use 0, 1, I, L or O). "
    "Check the code with your teacher."
)


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=12,
        error_messages={"max_length": JOIN_CODE_FORMAT_ERROR, "null_characters_not_allowed": JOIN_CODE_FORMAT_ERROR},
    )
    display_name = forms.CharField(label="Your name (as the teacher will see it)", max_length=60)
    camera = forms.BooleanField(
        label="Turn my camera on when I join",
        help_text="Optional. Without it you take part with the buttons, notes and your teacher's questions; you can "
        "turn it on, and pause it, at any time.",
        required=False,
    )
    consent = forms.BooleanField(
        label="I have read what is collected and I agree to join this class.",
        required=True,
        error_messages={"required": "Please read what is collected and tick the box to continue."},
    )

    def clean_code(self) -> str:
        code = join_code_parse(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(JOIN_CODE_FORMAT_ERROR, code="join_code_format")
        return code

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Please enter a name.")
        return name


class TeacherLoginForm(AuthenticationForm):
    """Django's log-in form, which stops checking passwords for a username, or from an address, once it has
    had too many failures in LOGIN_FAILURE_WINDOW_S (counted in the shared cache): the right password waits
    too. Per address the limit is generous, since a school's teachers may share one address."""

    too_many = "Too many failed log-ins. Please wait a few minutes and try again."

    def clean(self) -> dict:
        username = (self.cleaned_data.get("username") or "").casefold()
        limits = [
            (f"login-user:{hashlib.sha256(username.encode()).hexdigest()}", settings.LOGIN_FAILURES_PER_USERNAME),
            (f"login-address:{client_address(self.request)}", settings.LOGIN_FAILURES_PER_ADDRESS),
        ]
        window_s = settings.LOGIN_FAILURE_WINDOW_S
        if any(rate_limit_reached(key=key, limit=limit, window_s=window_s) for key, limit in limits):
            raise forms.ValidationError(self.too_many, code="too_many_attempts")
        try:
            return super().clean()
        except forms.ValidationError:
            for key, limit in limits:
                rate_limit_hit(key=key, limit=limit, window_s=window_s)
            raise
