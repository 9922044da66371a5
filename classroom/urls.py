from django.urls import path

from classroom import guardian_views, views

app_name = "classroom"

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/new/", views.course_create, name="course_create"),
    path("classes/<int:course_id>/", views.course_detail, name="course_detail"),
    path("classes/<int:course_id>/start/", views.session_start, name="session_start"),
    path("classes/<int:course_id>/minors/", guardian_views.course_minors, name="course_minors"),
    path("classes/<int:course_id>/guardians/", guardian_views.guardian_consent_add, name="guardian_consent_add"),
    path(
        "classes/<int:course_id>/guardians/withdraw/",
        guardian_views.guardian_consent_withdraw,
        name="guardian_consent_withdraw",
    ),
    path("sessions/<int:session_id>/live/", views.session_live, name="session_live"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session_end"),
    path("sessions/<int:session_id>/student/", views.student, name="student"),
    path("sessions/<int:session_id>/student/leave/", views.student_leave, name="student_leave"),
    path("sessions/<int:session_id>/student/delete-my-data/", views.student_data_delete, name="student_data_delete"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_code"),
]
