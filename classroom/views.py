"""Pages: thin views that parse, authorize and delegate to services and selectors."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from classroom import selectors, services
from classroom.broadcast import LAYER_ERRORS, session_ended_broadcast
from classroom.forms import (
    CourseForm,
    CourseMinorsForm,
    GuardianConsentForm,
    JoinForm,
    SessionStartForm,
    join_code_format_error,
)
from classroom.groups import participant_group
from classroom.models import ClassSession, Course, join_code_parse
from classroom.notice import privacy_notice
from classroom.ratelimit import client_address, rate_limit_hit, rate_limit_reached
from classroom.tokens import SESSION_TOKENS_KEY, InvalidToken, ParticipantClaim, participant_claim, participant_token
from classroom.vocabulary import EmotionMode
from ops import metrics

_TOKENS_KEY = SESSION_TOKENS_KEY
_CAMERA_START_KEY = "pulse_camera_start"
log = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "classroom/home.html",
        {
            "courses": selectors.courses_for_teacher(request.user),
            "live_sessions": selectors.live_sessions_for_teacher(request.user),
        },
    )


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = services.course_create(
            teacher=request.user,
            name=form.cleaned_data["name"],
            students_are_minors=form.cleaned_data["students_are_minors"],
        )
        return redirect("classroom:course_detail", course_id=course.pk)
    return render(request, "classroom/course_form.html", {"form": form})


def _emotion_mode_note(course: Course) -> str:
    if course.students_are_minors:
        return gettext(
            "The students of this class are under 18: their sessions never estimate emotions (India's DPDP Act, "
            "section 9)."
        )
    return {
        EmotionMode.ON: gettext("This server always estimates facial emotions (set by your administrator)."),
        EmotionMode.OFF: gettext(
            "Emotion estimation is switched off on this server: sessions show presence, attention and student voice "
            "only."
        ),
        EmotionMode.PER_SESSION: "",
    }[EmotionMode(settings.EMOTION_INFERENCE)]


def course_page(
    request: HttpRequest,
    course: Course,
    *,
    form: SessionStartForm | None = None,
    minors_form: CourseMinorsForm | None = None,
    consent_form: GuardianConsentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The class page: start a session, its sessions, and whether its students are minors (with their guardians'
    consents). Any form given is shown as it is (with its errors); the others are fresh."""
    sessions = selectors.sessions_of_course(course)
    context = {
        "course": course,
        "sessions": sessions,
        "form": form or SessionStartForm(course=course),
        "emotion_mode_note": _emotion_mode_note(course),
        "minors_form": minors_form or CourseMinorsForm(instance=course),
        "has_live_session": any(s.status == ClassSession.Status.LIVE for s in sessions),
        "guardian_consents": selectors.guardian_consents_of_course(course),
        "consent_form": consent_form or GuardianConsentForm(),
    }
    return render(request, "classroom/course_detail.html", context, status=status)


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    return course_page(request, selectors.course_for_teacher(request.user, course_id))


@login_required
@require_POST
def session_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_teacher(request.user, course_id)
    form = SessionStartForm(request.POST, course=course)
    if not form.is_valid():
        return course_page(request, course, form=form, status=400)
    session = services.session_start(
        course=course,
        title=form.cleaned_data["title"],
        frame_interval_s=form.cleaned_data["frame_interval_s"],
        emotion_enabled=form.cleaned_data.get("emotion_enabled", True),
        show_snapshots=form.cleaned_data["show_snapshots"],
        sensitivity=form.cleaned_data["sensitivity"],
    )
    return redirect("classroom:session_live", session_id=session.pk)


@login_required
def session_live(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_for_teacher(request.user, session_id)
    return render(
        request,
        "classroom/session_live.html",
        {
            "session": session,
            "join_url": request.build_absolute_uri(reverse("classroom:join_code", args=[session.code])),
            "ws_path": f"/ws/teacher/sessions/{session.pk}/",
            "end_url": reverse("classroom:session_end", args=[session.pk]),
        },
    )


@login_required
@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_for_teacher(request.user, session_id)
    if services.session_end(session=session):
        async_to_sync(session_ended_broadcast)(session.pk)
        messages.success(request, gettext("The session has ended."))
    return redirect("classroom:course_detail", course_id=session.course_id)


def _guardian_code_error(*, typed: bool) -> str:
    if typed:
        return gettext("That guardian consent code is not valid for this class. Check it with your teacher.")
    return gettext(
        "This class is for students under 18: type the guardian consent code your school gave your parent or guardian."
    )


def _join_page(
    request: HttpRequest, form: JoinForm, session: ClassSession | None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "session": session, "notice": privacy_notice(session)}
    return render(request, "classroom/join.html", context, status=status)


def _join_refused(request: HttpRequest, form: JoinForm, message: str, *, status: int) -> HttpResponse:
    if form.is_bound:
        form.add_error(None, message)
    else:
        messages.error(request, message)
    return _join_page(request, form, None, status=status)


def join(request: HttpRequest, code: str = "") -> HttpResponse:
    form = JoinForm(request.POST or None, initial={"code": code})
    typed_code = request.POST.get("code", code)
    if not typed_code:
        return _join_page(request, form, None, status=400 if form.is_bound and not form.is_valid() else 200)
    join_code = join_code_parse(typed_code)
    if join_code is None:  # can name no class: refused before any limit is counted or any query is made
        if form.is_bound:
            form.is_valid()  # the code field says what a code looks like
            return _join_page(request, form, None, status=400)
        return _join_refused(request, JoinForm(), join_code_format_error(), status=400)  # not shown back in the field
    # Every lookup of a code that names no live class counts, by GET (/join/<code>/) or POST, so the page
    # can't be used to guess codes; right codes don't count (a whole class behind one school NAT joins at once).
    address = client_address(request)
    guesses_key, joins_key = f"join:{address}", f"joined:{address}"
    if rate_limit_reached(key=guesses_key, limit=settings.JOIN_ATTEMPTS_PER_MINUTE):
        metrics.refused("join_attempts")
        message = gettext("Too many attempts. Please wait a minute and try again.")
        return _join_refused(request, form, message, status=429)
    session = selectors.live_session_by_code(join_code)
    if session is None:
        rate_limit_hit(key=guesses_key, limit=settings.JOIN_ATTEMPTS_PER_MINUTE)
    elif session.course.students_are_minors:
        form.guardian_code_require(_guardian_code_error(typed=False))
    if request.method != "POST":
        return _join_page(request, form, session)
    if not form.is_valid():
        return _join_page(request, form, session, status=400)
    if session is None:
        form.add_error("code", gettext("No live class with that code. Check the code with your teacher."))
        return _join_page(request, form, None, status=400)
    guardian_consent = None
    if session.course.students_are_minors:  # the code was required: the form has one
        guardian_consent = selectors.guardian_consent_for_code(session.course, form.cleaned_data["guardian_code"])
        if guardian_consent is None:
            rate_limit_hit(key=guesses_key, limit=settings.JOIN_ATTEMPTS_PER_MINUTE)  # a guess, like a wrong code
            form.add_error("guardian_code", _guardian_code_error(typed=True))
            return _join_page(request, form, session, status=400)
    if rate_limit_reached(key=joins_key, limit=settings.JOINS_PER_ADDRESS_PER_MINUTE):
        metrics.refused("joins_per_address")
        message = gettext(
            "Too many students joined from your network in the last minute. Please wait a minute and try again."
        )
        return _join_refused(request, form, message, status=429)
    try:
        participant = services.participant_join(
            session=session,
            display_name=form.cleaned_data["display_name"],
            notice_language=get_language(),
            guardian_consent=guardian_consent,
        )
    except services.SessionFull:
        metrics.refused("participants_per_session")
        message = gettext("This class already has %(count)s students. Ask your teacher.")
        form.add_error(None, message % {"count": settings.MAX_PARTICIPANTS_PER_SESSION})
        return _join_page(request, form, session, status=400)
    except services.GuardianConsentMissing:  # withdrawn between the look-up and the join
        form.add_error("guardian_code", _guardian_code_error(typed=True))
        return _join_page(request, form, session, status=400)
    rate_limit_hit(key=joins_key, limit=settings.JOINS_PER_ADDRESS_PER_MINUTE)
    tokens = request.session.get(_TOKENS_KEY, {})
    tokens[str(session.pk)] = participant_token(participant_id=participant.pk, session_id=session.pk)
    request.session[_TOKENS_KEY] = tokens
    if form.cleaned_data["camera"]:  # the student page starts the camera once, as they chose here
        request.session[_CAMERA_START_KEY] = session.pk
    return redirect("classroom:student", session_id=session.pk)


def _own_claim(request: HttpRequest, session_id: int) -> ParticipantClaim | None:
    """This browser's own participant claim on the session (from the token its Django session keeps), or None."""
    try:
        claim = participant_claim(request.session.get(_TOKENS_KEY, {}).get(str(session_id)))
    except InvalidToken:
        return None
    return claim if claim.session_id == session_id else None


def student_socket_close(participant_id: int) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(participant_group(participant_id), {"type": "participant.left"})
    except LAYER_ERRORS:
        log.warning("channel layer unavailable: a leaving student's socket stays open until it next reconnects")


@never_cache  # Back after leaving asks the server again, which explains, rather than showing a stale live page
def student(request: HttpRequest, session_id: int) -> HttpResponse:
    """The student's live page; once they left, their data was deleted or the class ended, a page that says so."""
    claim = _own_claim(request, session_id)
    if claim is None:
        messages.info(request, gettext("Please join the class with its code first."))
        return redirect("classroom:join")
    participant = selectors.participant_of_session(claim.participant_id, session_id)
    if participant is None or participant.left_at is not None or not participant.session.is_live:
        state = "deleted" if participant is None else "left" if participant.left_at is not None else "ended"
        session = participant.session if participant else selectors.session_by_id(session_id)
        return render(request, "classroom/student_done.html", {"state": state, "session": session})
    session = participant.session
    camera_start = request.session.pop(_CAMERA_START_KEY, None) == session.pk
    return render(
        request,
        "classroom/student.html",
        {
            "session": session,
            "participant": participant,
            "ws_path": f"/ws/student/?token={request.session[_TOKENS_KEY][str(session_id)]}",
            "frame_interval_ms": int(session.frame_interval_s * 1000),
            "notice": privacy_notice(session),
            "camera_start": camera_start,
            "join_url": reverse("classroom:join"),
        },
    )


def _student_leaves(request: HttpRequest, session_id: int, *, delete_data: bool, not_yours: str) -> HttpResponse:
    claim = _own_claim(request, session_id)
    if claim is None:
        messages.info(request, not_yours)
        return redirect("classroom:join")
    services.participant_leave(participant_id=claim.participant_id, delete_data=delete_data)
    student_socket_close(claim.participant_id)
    return redirect("classroom:student", session_id=session_id)


@require_POST
def student_leave(request: HttpRequest, session_id: int) -> HttpResponse:
    """The student leaves; the page they land on says so and still offers to delete their data."""
    return _student_leaves(
        request, session_id, delete_data=False, not_yours=gettext("You are not in that class from this browser.")
    )


@require_POST
def student_data_delete(request: HttpRequest, session_id: int) -> HttpResponse:
    """The student leaves and is erased from the session (as a teacher's per-student deletion erases them).

    Works without a live socket (and after the class ended), from the participant token kept in the
    browser's own Django session: nobody else's data can be named here. The token stays, so that this
    browser's student page (and Back) can say the data was deleted; it opens nothing any more.
    """
    return _student_leaves(
        request,
        session_id,
        delete_data=True,
        not_yours=gettext("There is nothing of yours to delete in that class from this browser."),
    )
