"""Classes (courses), their live sessions and the students who join them."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from classroom.vocabulary import SENSITIVITY_LABELS

# No 0/O, 1/I/L: codes are read aloud and typed by children.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


# A guardian's consent code (GuardianConsent) is longer: it is one student's, and is not shown on a screen.
GUARDIAN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def new_guardian_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(GUARDIAN_CODE_LENGTH))


def code_parse(typed: str, *, length: int = JOIN_CODE_LENGTH) -> str | None:
    """The code a student typed, upper-cased and without spaces or dashes; None when it cannot be one
    (wrong length, or a character outside the alphabet: a NUL, a letter codes never use)."""
    code = "".join(typed.replace("-", " ").split()).upper()
    if len(code) != length or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return code


def join_code_parse(typed: str) -> str | None:
    return code_parse(typed, length=JOIN_CODE_LENGTH)


class Course(models.Model):
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("class name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    # India's DPDP Act, s. 9 (docs/privacy.md): no emotion estimates in this class's sessions, and every student
    # joins with a guardian's consent that the school verified and recorded (GuardianConsent).
    students_are_minors = models.BooleanField(_("students are under 18"), default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


Sensitivity = models.TextChoices(
    "Sensitivity", [(key.upper(), (key, _(label))) for key, label in SENSITIVITY_LABELS.items()]
)


class ClassSession(models.Model):
    class Status(models.TextChoices):
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=120, blank=True)
    code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.LIVE, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    frame_interval_s = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(10.0)],
        help_text=_("Seconds between two webcam snapshots of one student."),
    )
    emotion_enabled = models.BooleanField(
        default=True, help_text=_("Estimate facial emotions. Off: presence, attention and student voice only.")
    )
    show_snapshots = models.BooleanField(
        default=False,
        help_text=_("Show each student's latest snapshot on the teacher's tile (relayed, never stored)."),
    )
    sensitivity = models.CharField(max_length=8, choices=Sensitivity.choices, default=Sensitivity.NORMAL)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.course.name}: {self.title or f'{self.started_at:%Y-%m-%d %H:%M}'}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def display_title(self) -> str:
        """The teacher's title, else the class's name and when the session started (in the reader's language)."""
        started = date_format(timezone.localtime(self.started_at), "SHORT_DATETIME_FORMAT")
        return self.title or f"{self.course.name} — {started}"


class GuardianConsent(models.Model):
    """A parent's or lawful guardian's consent for one student of a class of minors (DPDP Act s. 9(1); DPDP Rules,
    r. 10), as the school verified and recorded it: for which student, from whom, how the school checked that the
    guardian is an identifiable adult, which notice (version, language) they read, who recorded it and when.

    The student joins with its `code`; withdrawing the consent erases what the class recorded about them.
    """

    class Verification(models.TextChoices):
        # The three ways rule 10(1) names of checking that the person consenting is an identifiable adult.
        SCHOOL_RECORDS = (
            "school_records",
            _("Identity and age details the school already holds (e.g. admission records)"),
        )
        PROVIDED = "provided", _("Identity and age details the guardian gave the school")
        VIRTUAL_TOKEN = "virtual_token", _("A virtual token from an authorised entity (e.g. DigiLocker)")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="guardian_consents")
    student_name = models.CharField(_("student's name"), max_length=60)
    guardian_name = models.CharField(_("parent's or guardian's name"), max_length=120)
    verification = models.CharField(_("how the school checked the guardian"), max_length=16, choices=Verification)
    notice_version = models.CharField(max_length=16)
    notice_language = models.CharField(_("language of the notice they read"), max_length=8)
    code = models.CharField(max_length=GUARDIAN_CODE_LENGTH, unique=True, default=new_guardian_code)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["student_name", "pk"]

    def __str__(self) -> str:
        return f"{self.student_name} ({self.guardian_name})"


class Participant(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="participants")
    display_name = models.CharField(max_length=60)
    joined_at = models.DateTimeField(auto_now_add=True)
    # The consent record: when, to which version of the notice (classroom.notice.NOTICE_VERSION) and in which
    # language they read it ("" for students who joined before notices had versions), and, in a class of
    # minors, the guardian's consent they joined with.
    consented_at = models.DateTimeField()
    notice_version = models.CharField(max_length=16, blank=True, default="")
    notice_language = models.CharField(max_length=8, blank=True, default="")
    guardian_consent = models.ForeignKey(
        GuardianConsent, on_delete=models.CASCADE, null=True, blank=True, related_name="participants"
    )
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["session", "display_name"])]

    def __str__(self) -> str:
        return self.display_name
