from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from engagement.models import Flag, MoodPoint, Poll, PollAnswer, Reading, ReadingPurge, SelfReport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded data is evidence: admins review and delete it, never edit it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def report_link(session_id: int) -> str:
    return format_html('<a href="{}">Report</a>', reverse("engagement:session_report", args=[session_id]))


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["participant", "session", "t", "camera", "face", "quality", "p_neutral", "tab_visible"]
    list_filter = ["face", "quality", "camera", "tab_visible", "session__course"]
    search_fields = ["participant__display_name", "session__code", "session__title", "session__course__name"]
    date_hierarchy = "t"
    list_select_related = ["participant", "session__course"]
    show_full_result_count = False  # COUNT(*) over millions of readings on every page is slow


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "session", "raised_at", "cleared_at", "dismissed_at"]
    list_filter = ["kind", ("dismissed_at", admin.EmptyFieldListFilter), "session__course"]
    search_fields = ["participant__display_name", "explanation", "session__code", "session__course__name"]
    date_hierarchy = "raised_at"
    list_select_related = ["participant", "session__course"]


@admin.register(SelfReport)
class SelfReportAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "text", "session", "t"]
    list_filter = ["kind", "session__course"]
    search_fields = ["participant__display_name", "text", "session__code"]
    date_hierarchy = "t"
    list_select_related = ["participant", "session__course"]


@admin.register(MoodPoint)
class MoodPointAdmin(ReadOnlyAdmin):
    list_display = ["session", "t", "present", "connected", "engagement", "attention"]
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
