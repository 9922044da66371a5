import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from classroom.models import (
    GUARDIAN_CODE_LENGTH,
    JOIN_CODE_LENGTH,
    ClassSession,
    Course,
    GuardianConsent,
    code_parse,
    join_code_parse,
)
from classroom.ratelimit import client_address, rate_limit_hit, rate_limit_reached
from classroom.selectors import emotion_choice_allowed

MINORS_CHOICES = [
    (True, _("Yes: no emotion estimates, and each student joins with a parent's or guardian's consent")),
    (False, _("No: all students are 18 or older")),
]


def _minors_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Are the students in this class under 18?"),
        help_text=_(
            "India's data protection law (DPDP Act, section 9) asks for a parent's or guardian's verifiable consent "
            "for students under 18 and bars monitoring their behaviour: their sessions never estimate emotions."
        ),
        choices=MINORS_CHOICES,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please say whether the students are under 18.")},
    )


class CourseForm(forms.ModelForm):
    students_are_minors = _minors_field()

    class Meta:
        model = Course
        fields = ["name", "students_are_minors"]
        labels = {"name": _("Class name")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.pop("students_are_minors", None)  # a new class: the teacher answers, nothing is ticked for them


class CourseMinorsForm(forms.ModelForm):
    """Changes whether a class is one of minors (only while none of its sessions is live: services say so)."""

    students_are_minors = _minors_field()

    class Meta:
        model = Course
        fields = ["students_are_minors"]


class SessionStartForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["title", "frame_interval_s", "emotion_enabled", "show_snapshots", "sensitivity"]
        labels = {
            "title": _("Session title (optional)"),
            "frame_interval_s": _("Seconds between snapshots"),
            "emotion_enabled": _("Estimate facial emotions"),
            "show_snapshots": _("Show students' latest snapshots on my dashboard"),
            "sensitivity": _("Flag sensitivity"),
        }

    def __init__(self, *args, course: Course | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not emotion_choice_allowed() or (course is not None and course.students_are_minors):
            del self.fields["emotion_enabled"]


class GuardianConsentForm(forms.ModelForm):
    """The school records a parent's or guardian's consent it has verified (DPDP Rules, r. 10)."""

    confirmed = forms.BooleanField(
        label=_(
            "The parent or guardian read the notice and agreed, and the school checked as chosen above that they are "
            "an adult who can be identified."
        ),
        error_messages={"required": _("Please confirm that the school checked the guardian and their consent.")},
    )

    class Meta:
        model = GuardianConsent
        fields = ["student_name", "guardian_name", "verification", "notice_language"]
        widgets = {"verification": forms.RadioSelect, "notice_language": forms.Select}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verification"].choices = GuardianConsent.Verification.choices  # no blank "---------"
        languages = [(code, get_language_info(code)["name_local"]) for code, _ in settings.LANGUAGES]
        self.fields["notice_language"].widget.choices = languages
        self.fields["notice_language"].initial = get_language()

    def clean_notice_language(self) -> str:
        language = self.cleaned_data["notice_language"]
        if language not in dict(settings.LANGUAGES):
            raise forms.ValidationError(_("Choose one of the languages listed."))
        return language


def join_code_format_error() -> str:
    return gettext(
        "A join code is %(length)s letters and digits, like ABC234 (codes never use 0, 1, I, L or O). "
        "Check the code with your teacher."
    ) % {"length": JOIN_CODE_LENGTH}


def guardian_code_format_error() -> str:
    return gettext(
        "A guardian consent code is %(length)s letters and digits. Check it with your parent, guardian or teacher."
    ) % {"length": GUARDIAN_CODE_LENGTH}


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=12)
    display_name = forms.CharField(label=_("Your name (as the teacher will see it)"), max_length=60)
    # Asked for only in a class of minors (the view says which): the code the school gave their guardian.
    guardian_code = forms.CharField(
        label=_("Guardian consent code"),
        help_text=_("Your school gave it to your parent or guardian when they agreed to this class."),
        max_length=16,
        required=False,
    )
    camera = forms.BooleanField(
        label=_("Turn my camera on when I join"),
        help_text=_(
            "Optional. Without it you take part with the buttons, notes and your teacher's questions; you can "
            "turn it on, and pause it, at any time."
        ),
        required=False,
    )
    consent = forms.BooleanField(
        label=_("I have read what is collected and I agree to join this class."),
        required=True,
        error_messages={"required": _("Please read what is collected and tick the box to continue.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        error = join_code_format_error()
        self.fields["code"].error_messages.update({"max_length": error, "null_characters_not_allowed": error})

    def guardian_code_require(self, message: str) -> None:
        """The class is one of minors: its guardian consent code is required (`message` when it is missing)."""
        self.fields["guardian_code"].required = True
        self.fields["guardian_code"].error_messages["required"] = message

    def clean_code(self) -> str:
        code = join_code_parse(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(join_code_format_error(), code="join_code_format")
        return code

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name

    def clean_guardian_code(self) -> str:
        """The code as typed, parsed ("" when none was typed; whether one is needed is the class's question)."""
        typed = self.cleaned_data["guardian_code"]
        if not typed.strip():
            return ""
        code = code_parse(typed, length=GUARDIAN_CODE_LENGTH)
        if code is None:
            raise forms.ValidationError(guardian_code_format_error(), code="guardian_code_format")
        return code


class TeacherLoginForm(AuthenticationForm):
    """Django's log-in form, which stops checking passwords for a username, or from an address, once it has
    had too many failures in LOGIN_FAILURE_WINDOW_S (counted in the shared cache): the right password waits
    too. Per address the limit is generous, since a school's teachers may share one address."""

    too_many = _("Too many failed log-ins. Please wait a few minutes and try again.")

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
