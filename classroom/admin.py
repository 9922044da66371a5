from django.contrib import admin

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
    list_display = ["__str__", "course", "code", "status", "started_at", "ended_at", "emotion_enabled"]
    list_filter = ["status", "emotion_enabled", "sensitivity", "course__teacher"]
    search_fields = ["title", "code", "course__name"]
    date_hierarchy = "started_at"
    readonly_fields = ["code", "started_at", "ended_at"]
    inlines = [ParticipantInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "session", "joined_at", "left_at"]
    list_filter = ["session__course"]
    search_fields = ["display_name", "session__code"]
    date_hierarchy = "joined_at"
    readonly_fields = ["joined_at", "consented_at"]
