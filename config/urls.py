from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from classroom.forms import TeacherLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=TeacherLoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher's POST (Django's set_language: remembers the choice in a cookie) and the JavaScript's
    # strings in the reader's language, as a script from this host (the CSP allows 'self'; no inline script).
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("engagement.urls")),
    path("", include("classroom.urls")),
]
