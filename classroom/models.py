"""Classes (courses), their live sessions and the students who join them."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from classroom.vocabulary import SENSITIVITY_LABELS

# No 0/O, 1/I/L: codes are read aloud and typed by children.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def join_code_parse(typed: str) -> str | None:
    """The join code a student typed, upper-cased and without spaces or dashes; None when it cannot be one
    (wrong length, or a character outside the alphabet: a NUL, a letter codes never use)."""
    code = "".join(typed.replace("-", " ").split()).upper()
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return code


class Course(models.Model):
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


Sensitivity = models.TextChoices(
    "Sensitivity", [(key.upper(), (key, label)) for key, label in SENSITIVITY_LABELS.items()]
)


class ClassSession(models.Model):
    class Status(models.TextChoices):
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=120, blank=True)
    code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.LIVE, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    frame_interval_s = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(10.0)],
        help_text="Seconds between two webcam snapshots of one student.",
    )
    emotion_enabled = models.BooleanField(
        default=True, help_text="Estimate facial emotions. Off: presence, attention and student voice only."
    )
    show_snapshots = models.BooleanField(
        default=False, help_text="Show each student's latest snapshot on the teacher's tile (relayed, never stored)."
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
        return self.title or f"{self.course.name} — {self.started_at:%b %d, %H:%M}"


class Participant(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="participants")
    display_name = models.CharField(max_length=60)
    joined_at = models.DateTimeField(auto_now_add=True)
    consented_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["session", "display_name"])]

    def __str__(self) -> str:
        return self.display_name
