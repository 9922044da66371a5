"""Admin of classes. Sessions and participants are administered with their recorded data (engagement/admin.py):
deleting them must go through the retention functions."""

from django.contrib import admin
from django.http import HttpRequest

from classroom.models import ClassSession, Course, GuardianConsent


class ClassSessionInline(admin.TabularInline):
    model = ClassSession
    fields = ["title", "code", "status", "started_at", "ended_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["name", "teacher", "students_are_minors", "created_at"]
    list_filter = ["teacher", "students_are_minors"]
    search_fields = ["name", "teacher__username"]
    inlines = [ClassSessionInline]


@admin.register(GuardianConsent)
class GuardianConsentAdmin(admin.ModelAdmin):
    """The school's record of guardians' consents: read only. A teacher withdraws one on the class page, which
    erases the student's data through the retention code; deleting the row here would not."""

    list_display = ["student_name", "guardian_name", "course", "verification", "recorded_at", "withdrawn_at"]
    list_filter = ["verification", "course__teacher", "course"]
    search_fields = ["student_name", "guardian_name", "course__name", "code"]
    list_select_related = ["course"]
    readonly_fields = [field.name for field in GuardianConsent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GuardianConsent | None = None) -> bool:
        return False
