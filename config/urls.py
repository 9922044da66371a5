from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from classroom.forms import TeacherLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=TeacherLoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("engagement.urls")),
    path("", include("classroom.urls")),
]
