"""The class page's minors setting and its guardians' consents (docs/privacy.md, "India: the DPDP Act").

Thin views on the class page: each parses, authorizes (the teacher's own class, as every class page) and
delegates to services; errors are shown on the class page itself.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from classroom import selectors, services
from classroom.forms import CourseMinorsForm, GuardianConsentForm
from classroom.views import course_page, student_socket_close


@login_required
@require_POST
def course_minors(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_teacher(request.user, course_id)
    form = CourseMinorsForm(request.POST, instance=course)
    if not form.is_valid():
        return course_page(request, course, minors_form=form, status=400)
    try:
        services.course_minors_set(course=course, students_are_minors=form.cleaned_data["students_are_minors"])
    except services.CourseIsLive:
        form.add_error(None, gettext("End the live session first: its students joined under the current setting."))
        return course_page(request, course, minors_form=form, status=409)
    messages.success(request, gettext("Saved."))
    return redirect("classroom:course_detail", course_id=course.pk)


@login_required
@require_POST
def guardian_consent_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_teacher(request.user, course_id)
    form = GuardianConsentForm(request.POST)
    if not form.is_valid():
        return course_page(request, course, consent_form=form, status=400)
    consent = services.guardian_consent_record(
        course=course,
        recorded_by=request.user,
        student_name=form.cleaned_data["student_name"],
        guardian_name=form.cleaned_data["guardian_name"],
        verification=form.cleaned_data["verification"],
        notice_language=form.cleaned_data["notice_language"],
    )
    message = gettext("Recorded. %(student)s joins with the guardian consent code %(code)s.")
    messages.success(request, message % {"student": consent.student_name, "code": consent.code})
    return redirect("classroom:course_detail", course_id=course.pk)


@login_required
@require_POST
def guardian_consent_withdraw(request: HttpRequest, course_id: int) -> HttpResponse:
    """The guardian withdrew their consent (they told the school): the code joins no more, and what the class
    recorded about the student who joined with it is erased."""
    course = selectors.course_for_teacher(request.user, course_id)
    try:
        consent_id = int(request.POST.get("consent", ""))
    except ValueError:
        consent_id = 0
    consent = selectors.guardian_consent_of_course(course, consent_id)
    for participant_id in services.guardian_consent_withdraw(consent=consent):
        student_socket_close(participant_id)
    message = gettext("%(student)s's guardian consent is withdrawn; what this class recorded about them is deleted.")
    messages.success(request, message % {"student": consent.student_name})
    return redirect("classroom:course_detail", course_id=course.pk)
