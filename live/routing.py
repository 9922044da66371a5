from django.urls import path

from live.consumers import StudentConsumer, TeacherConsumer

websocket_urlpatterns = [
    path("ws/student/", StudentConsumer.as_asgi()),
    path("ws/teacher/sessions/<int:session_id>/", TeacherConsumer.as_asgi()),
]
