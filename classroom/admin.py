from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from classroom.models import ClassSession, Course, Participant


class ClassSessionInline(admin.TabularInline):
    model = ClassSession
    fields = ["title", "code", "status", "started_at", "ended_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["name", "teacher", "created_at"]
    list_filter = ["teacher"]
    search_fields = ["name", "teacher__username"]
    inlines = [ClassSessionInline]


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["display_name", "joined_at", "consented_at", "left_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ClassSession)
class ClassSessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "course", "code", "status", "started_at", "ended_at", "emotion_enabled", "report"]
    list_filter = ["status", "emotion_enabled", "sensitivity", "course__teacher", "course"]
    search_fields = ["title", "code", "course__name", "course__teacher__username"]
    date_hierarchy = "started_at"
    readonly_fields = ["report", "code", "started_at", "ended_at"]
    list_select_related = ["course"]
    inlines = [ParticipantInline]
    actions = ["purge_readings"]

    @admin.display(description="Report")
    def report(self, obj: ClassSession) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">Open the report</a>', reverse("engagement:session_report", args=[obj.pk]))

    @admin.action(description="Purge raw readings (keep timeline, flags and summaries)", permissions=["delete"])
    def purge_readings(self, request: HttpRequest, queryset: QuerySet[ClassSession]) -> None:
        from engagement.retention import session_readings_purge

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
    readonly_fields = ["joined_at", "consented_at"]

    def delete_model(self, request: HttpRequest, obj: Participant) -> None:
        from engagement.retention import participant_erase

        participant_erase(participant=obj)  # also drops the summary kept after a retention purge

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Participant]) -> None:
        from engagement.retention import participant_erase

        for participant in queryset:
            participant_erase(participant=participant)
