"""What is stored: emotion probabilities and signals per snapshot (never the image), flags,
timeline points, student voice and polls."""

from django.conf import settings
from django.db import models

from classroom.models import ClassSession, Participant
from engagement.core.types import EMOTIONS, FLAG_LABELS, POLL_ANSWERS, REPORT_LABELS

# One column per emotion, in the model's order.
EMOTION_FIELDS = tuple(f"p_{emotion}" for emotion in EMOTIONS)


class Reading(models.Model):
    """One analyzed snapshot (or attention heartbeat while the camera is paused)."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="readings")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="readings")
    t = models.DateTimeField()
    camera = models.CharField(max_length=8, default="on")
    face = models.BooleanField(default=False)
    quality = models.CharField(max_length=16, default="ok")
    p_angry = models.FloatField(null=True, blank=True)
    p_disgust = models.FloatField(null=True, blank=True)
    p_fear = models.FloatField(null=True, blank=True)
    p_happy = models.FloatField(null=True, blank=True)
    p_sad = models.FloatField(null=True, blank=True)
    p_surprise = models.FloatField(null=True, blank=True)
    p_neutral = models.FloatField(null=True, blank=True)
    brightness = models.FloatField(null=True, blank=True)
    blur = models.FloatField(null=True, blank=True)
    face_px = models.PositiveIntegerField(null=True, blank=True)
    tab_visible = models.BooleanField(null=True, blank=True)
    focused = models.BooleanField(null=True, blank=True)
    idle_s = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["t", "pk"]
        indexes = [
            models.Index(fields=["session", "t"]),
            models.Index(fields=["participant", "t"]),
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.t:%H:%M:%S}"

    @property
    def probabilities(self) -> tuple[float, ...] | None:
        values = tuple(getattr(self, name) for name in EMOTION_FIELDS)
        return None if values[0] is None else values


class Flag(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="flags")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=12, choices=list(FLAG_LABELS.items()))
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    # The explanation as the rules gave it: messages (engagement.core.explain) each page renders in its reader's
    # language and clock; `explanation` is the same in the site's language, for exports, search and older flags.
    explanation = models.TextField()
    explanation_messages = models.JSONField(default=list, blank=True)
    cause = models.CharField(max_length=16, blank=True, default="")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "pk"]
        indexes = [models.Index(fields=["session", "raised_at"]), models.Index(fields=["participant", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.participant}"


class MoodPoint(models.Model):
    """One bucket of the class mood timeline."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="mood_points")
    t = models.DateTimeField()
    shares = models.JSONField(default=dict)
    present = models.PositiveIntegerField(default=0)
    connected = models.PositiveIntegerField(default=0)
    engagement = models.FloatField(null=True, blank=True)
    attention = models.FloatField(null=True, blank=True)
    confused_share = models.FloatField(null=True, blank=True)
    attentive_share = models.FloatField(null=True, blank=True)
    taps = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["t"]
        constraints = [models.UniqueConstraint(fields=["session", "t"], name="one_mood_point_per_bucket")]

    def __str__(self) -> str:
        return f"{self.session_id} @ {self.t:%H:%M:%S}"


class SelfReport(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="self_reports")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="self_reports")
    kind = models.CharField(max_length=12, choices=list(REPORT_LABELS.items()))
    text = models.CharField(max_length=280, blank=True)
    t = models.DateTimeField()

    class Meta:
        ordering = ["t", "pk"]
        indexes = [models.Index(fields=["session", "t"])]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.kind}"


class Poll(models.Model):
    OPTIONS = POLL_ANSWERS

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=200, default="Is this clear?")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return self.question

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="poll_answers")
    answer = models.CharField(max_length=12)
    t = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "participant"], name="one_answer_per_student")]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.answer}"


class ReadingPurge(models.Model):
    """What is kept of a session's raw readings once the retention purge has deleted them: the per-student
    summaries (engagement.core.history.student_summary), so the report can still show its table."""

    session = models.OneToOneField(ClassSession, on_delete=models.CASCADE, related_name="reading_purge")
    purged_at = models.DateTimeField()
    readings_deleted = models.PositiveIntegerField(default=0)
    students = models.JSONField(default=dict)  # str(participant id) -> student_summary dict
    confused_windows = models.JSONField(default=list)  # the report's most confused moments, judged before the purge

    def __str__(self) -> str:
        return f"{self.session_id}: {self.readings_deleted} readings purged"
