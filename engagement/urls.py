from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("reports/classes/<int:course_id>/", views.course_history, name="course_history"),
    path("reports/sessions/<int:session_id>/", views.session_report, name="session_report"),
    path("reports/sessions/<int:session_id>/readings.csv", views.readings_csv, name="readings_csv"),
    path("reports/sessions/<int:session_id>/flags.csv", views.flags_csv, name="flags_csv"),
    path("reports/sessions/<int:session_id>/report.json", views.report_json, name="report_json"),
    path("reports/sessions/<int:session_id>/print/", views.report_print, name="report_print"),
    path("reports/sessions/<int:session_id>/delete/", views.session_delete, name="session_delete"),
    path(
        "reports/sessions/<int:session_id>/participants/<int:participant_id>/delete/",
        views.participant_data_delete,
        name="participant_data_delete",
    ),
]
