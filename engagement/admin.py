from datetime import datetime

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from classroom import services
from classroom.broadcast import session_ended_broadcast
from classroom.models import ClassSession, Participant
from engagement.models import Flag, MoodPoint, Poll, PollAnswer, Reading, ReadingPurge, SelfReport
from engagement.retention import participant_erase, session_readings_purge


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded data is evidence: admins review and delete it, never edit it."""

    @admin.display(description=_("Session"), ordering="session__started_at")
    def session_title(self, obj: Reading) -> str:
        return session_label(obj.session)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def to_the_second(value: datetime | None) -> str:
    """A moment with its seconds, in the admin's time zone: readings come seconds apart."""
    return "—" if value is None else date_format(timezone.localtime(value), "Y-m-d H:i:s")


def seconds_column(field: str, description: str):  # type: ignore[no-untyped-def]
    """A list column showing `field` to the second, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(self: admin.ModelAdmin, obj: object) -> str:
        return to_the_second(getattr(obj, field))

    return column


def session_label(session: ClassSession) -> str:
    """The session as its teacher named it (its class has a column of its own)."""
    return session.display_title


def report_link(session_id: int) -> str:
    return format_html('<a href="{}">Report</a>', reverse("engagement:session_report", args=[session_id]))


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["participant", "session_title", "time", "camera", "face", "quality", "p_neutral", "tab_visible"]
    ordering = ["-t", "-pk"]  # the newest first: what an admin checking a live class looks for
    time = seconds_column("t", _("Time"))
    list_filter = ["face", "quality", "camera", "tab_visible", "session__course"]
    search_fields = ["participant__display_name", "session__code", "session__title", "session__course__name"]
    date_hierarchy = "t"
    list_select_related = ["participant", "session__course"]
    show_full_result_count = False  # COUNT(*) over millions of readings on every page is slow


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "session_title", "raised", "cleared", "dismissed"]
    ordering = ["-raised_at", "-pk"]
    raised = seconds_column("raised_at", _("Raised"))
    cleared = seconds_column("cleared_at", _("Cleared"))
    dismissed = seconds_column("dismissed_at", _("Dismissed"))
    list_filter = ["kind", ("dismissed_at", admin.EmptyFieldListFilter), "session__course"]
    search_fields = ["participant__display_name", "explanation", "session__code", "session__course__name"]
    date_hierarchy = "raised_at"
    list_select_related = ["participant", "session__course"]


@admin.register(SelfReport)
class SelfReportAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "text", "session_title", "time"]
    ordering = ["-t", "-pk"]
    time = seconds_column("t", _("Time"))
    list_filter = ["kind", "session__course"]
    search_fields = ["participant__display_name", "text", "session__code"]
    date_hierarchy = "t"
    list_select_related = ["participant", "session__course"]


@admin.register(MoodPoint)
class MoodPointAdmin(ReadOnlyAdmin):
    list_display = ["session_title", "time", "present", "connected", "engagement", "attention", "confused_share"]
    ordering = ["-t"]
    time = seconds_column("t", _("Time"))
    list_filter = ["session__course"]
    search_fields = ["session__code", "session__title"]
    date_hierarchy = "t"
    list_select_related = ["session__course"]


@admin.register(ReadingPurge)
class ReadingPurgeAdmin(ReadOnlyAdmin):
    list_display = ["session", "purged_at", "readings_deleted", "report"]
    search_fields = ["session__code", "session__title", "session__course__name"]
    date_hierarchy = "purged_at"
    list_select_related = ["session__course"]
    exclude = ["students"]

    @admin.display(description="Report")
    def report(self, obj: ReadingPurge) -> str:
        return report_link(obj.session_id)


class PollAnswerInline(admin.TabularInline):
    model = PollAnswer
    readonly_fields = ["participant", "answer", "t"]
    extra = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "session", "opened_at", "closed_at"]
    search_fields = ["question", "session__code"]
    date_hierarchy = "opened_at"
    inlines = [PollAnswerInline]


# --- sessions and participants: administered here, with their recorded data


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["display_name", "joined_at", "consented_at", "notice_version", "notice_language", "left_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ClassSession)
class ClassSessionAdmin(admin.ModelAdmin):
    list_display = ["title_or_start", "course", "code", "status", "started", "ended", "emotion_enabled", "report"]
    list_filter = ["status", "emotion_enabled", "sensitivity", "course__teacher", "course"]
    search_fields = ["title", "code", "course__name", "course__teacher__username"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    # The status only ever moves from live to ended (the "End" action, or the teacher): an ended session is over,
    # and its students were told so.
    readonly_fields = ["report", "code", "status", "started_at", "ended_at"]
    list_select_related = ["course"]
    inlines = [ParticipantInline]
    actions = ["end_sessions", "purge_readings"]
    started = seconds_column("started_at", _("Started"))
    ended = seconds_column("ended_at", _("Ended"))

    @admin.display(description=_("Session"), ordering="title")
    def title_or_start(self, obj: ClassSession) -> str:
        return session_label(obj)

    @admin.action(description=_("End the selected live sessions"), permissions=["change"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[ClassSession]) -> None:
        ended = 0
        for session in queryset.filter(status=ClassSession.Status.LIVE):
            if services.session_end(session=session):
                async_to_sync(session_ended_broadcast)(session.pk)  # the students' pages and dashboards are told
                ended += 1
        text = ngettext("Ended %(n)s session.", "Ended %(n)s sessions.", ended) % {"n": ended}
        self.message_user(request, text, messages.SUCCESS)

    @admin.display(description="Report")
    def report(self, obj: ClassSession) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">Open the report</a>', reverse("engagement:session_report", args=[obj.pk]))

    @admin.action(description="Purge raw readings (keep timeline, flags and summaries)", permissions=["delete"])
    def purge_readings(self, request: HttpRequest, queryset: QuerySet[ClassSession]) -> None:
        live = queryset.filter(status=ClassSession.Status.LIVE).count()
        deleted = sum(
            session_readings_purge(session=session)
            for session in queryset.exclude(status=ClassSession.Status.LIVE).select_related("course")
        )
        self.message_user(request, f"Deleted {deleted} raw readings.", messages.SUCCESS)
        if live:
            self.message_user(request, f"Skipped {live} live session(s): end them first.", messages.WARNING)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "session", "joined_at", "left_at"]
    list_filter = ["session__status", "session__course"]
    search_fields = ["display_name", "session__code", "session__title", "session__course__name"]
    list_select_related = ["session__course"]
    date_hierarchy = "joined_at"
    readonly_fields = ["joined_at", "consented_at", "notice_version", "notice_language", "guardian_consent"]

    def delete_model(self, request: HttpRequest, obj: Participant) -> None:
        participant_erase(participant=obj)  # also drops the summary kept after a retention purge

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Participant]) -> None:
        for participant in queryset:
            participant_erase(participant=participant)
