from django.contrib import admin

from engagement.models import Flag, MoodPoint, Poll, PollAnswer, Reading, SelfReport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded data is evidence: admins review and delete it, never edit it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["participant", "session", "t", "camera", "face", "quality"]
    list_filter = ["face", "quality", "camera"]
    search_fields = ["participant__display_name", "session__code"]
    date_hierarchy = "t"
    list_select_related = ["participant", "session__course"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "session", "raised_at", "cleared_at", "dismissed_at"]
    list_filter = ["kind"]
    search_fields = ["participant__display_name", "explanation"]
    date_hierarchy = "raised_at"
    list_select_related = ["participant", "session__course"]


@admin.register(SelfReport)
class SelfReportAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "text", "session", "t"]
    list_filter = ["kind"]
    search_fields = ["participant__display_name", "text"]
    date_hierarchy = "t"


@admin.register(MoodPoint)
class MoodPointAdmin(ReadOnlyAdmin):
    list_display = ["session", "t", "present", "connected", "engagement", "attention"]
    date_hierarchy = "t"


class PollAnswerInline(admin.TabularInline):
    model = PollAnswer
    readonly_fields = ["participant", "answer", "t"]
    extra = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "session", "opened_at", "closed_at"]
    date_hierarchy = "opened_at"
    inlines = [PollAnswerInline]
