"""Admin of classes. Sessions and participants are administered with their recorded data (engagement/admin.py):
deleting them must go through the retention functions."""

from django.contrib import admin

from classroom.models import ClassSession, Course


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
