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
from django.views.decorators.http import require_POST

from classroom import selectors, services
from classroom.broadcast import session_ended_broadcast
from classroom.consumers import LAYER_ERRORS
from classroom.forms import CourseForm, JoinForm, SessionStartForm
from classroom.groups import participant_group
from classroom.models import Course
from classroom.ratelimit import rate_limit_hit, rate_limit_reached
from classroom.tokens import InvalidToken, participant_claim, participant_token
from ops import metrics

_TOKENS_KEY = "pulse_participant_tokens"
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
        course = services.course_create(teacher=request.user, name=form.cleaned_data["name"])
        return redirect("classroom:course_detail", course_id=course.pk)
    return render(request, "classroom/course_form.html", {"form": form})


def _emotion_mode_note() -> str:
    return {
        "on": "This server always estimates facial emotions (set by your administrator).",
        "off": "Emotion estimation is switched off on this server: sessions show presence, attention and "
        "student voice only.",
        "per-session": "",
    }[settings.EMOTION_INFERENCE]


def _course_page(request: HttpRequest, course: Course, form: SessionStartForm, *, status: int = 200) -> HttpResponse:
    context = {
        "course": course,
        "sessions": selectors.sessions_of_course(course),
        "form": form,
        "emotion_mode_note": _emotion_mode_note(),
    }
    return render(request, "classroom/course_detail.html", context, status=status)


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    return _course_page(request, selectors.course_for_teacher(request.user, course_id), SessionStartForm())


@login_required
@require_POST
def session_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_teacher(request.user, course_id)
    form = SessionStartForm(request.POST)
    if not form.is_valid():
        return _course_page(request, course, form, status=400)
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
        messages.success(request, "The session has ended.")
    return redirect("classroom:course_detail", course_id=session.course_id)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def join(request: HttpRequest, code: str = "") -> HttpResponse:
    form = JoinForm(request.POST or None, initial={"code": code})
    typed_code = request.POST.get("code", code)
    # Every lookup of a code that names no live class counts, by GET (/join/<code>/) or POST, so the page
    # can't be used to guess codes; right codes don't count (a whole class behind one school NAT joins at once).
    limit_key = f"join:{_client_ip(request)}"
    if typed_code and rate_limit_reached(key=limit_key, limit=settings.JOIN_ATTEMPTS_PER_MINUTE):
        too_many = "Too many attempts. Please wait a minute and try again."
        metrics.refused("join_attempts")
        if form.is_bound:
            form.add_error(None, too_many)
        else:
            messages.error(request, too_many)
        context = {"form": form, "session": None, "privacy_items": selectors.privacy_items(None)}
        return render(request, "classroom/join.html", context, status=429)
    session = selectors.live_session_by_code(typed_code) if typed_code else None
    if typed_code and session is None:
        rate_limit_hit(key=limit_key, limit=settings.JOIN_ATTEMPTS_PER_MINUTE)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and session is None:
            form.add_error("code", "No live class with that code. Check the code with your teacher.")
        elif form.is_valid() and session is not None:
            participant = services.participant_join(session=session, display_name=form.cleaned_data["display_name"])
            tokens = request.session.get(_TOKENS_KEY, {})
            tokens[str(session.pk)] = participant_token(participant_id=participant.pk, session_id=session.pk)
            request.session[_TOKENS_KEY] = tokens
            return redirect("classroom:student", session_id=session.pk)
    context = {"form": form, "session": session, "privacy_items": selectors.privacy_items(session)}
    return render(request, "classroom/join.html", context, status=status)


def student(request: HttpRequest, session_id: int) -> HttpResponse:
    token = request.session.get(_TOKENS_KEY, {}).get(str(session_id))

    try:
        claim = participant_claim(token)
    except InvalidToken:
        messages.info(request, "Please join the class with its code first.")
        return redirect("classroom:join")
    participant = selectors.participant_in_session(claim.participant_id, claim.session_id)
    if participant is None or not participant.session.is_live:
        messages.info(request, "That class has ended or you have left it.")
        return redirect("classroom:join")
    session = participant.session
    return render(
        request,
        "classroom/student.html",
        {
            "session": session,
            "participant": participant,
            "ws_path": f"/ws/student/?token={token}",
            "frame_interval_ms": int(session.frame_interval_s * 1000),
            "privacy_items": selectors.privacy_items(session),
            "leave_url": reverse("classroom:join"),
        },
    )


@require_POST
def student_data_delete(request: HttpRequest, session_id: int) -> HttpResponse:
    """The student leaves and has everything recorded about them in this session deleted.

    Works without a live socket (and after the class ended), from the participant token kept in the
    browser's own Django session: nobody else's data can be named here.
    """
    tokens = request.session.get(_TOKENS_KEY, {})
    try:
        claim = participant_claim(tokens.get(str(session_id)))
        if claim.session_id != session_id:
            raise InvalidToken("token of another session")
    except InvalidToken:
        messages.info(request, "There is nothing of yours to delete in that class from this browser.")
        return redirect("classroom:join")
    services.participant_leave(participant_id=claim.participant_id, delete_data=True)
    try:  # closes the student's socket, if one is open
        async_to_sync(get_channel_layer().group_send)(
            participant_group(claim.participant_id), {"type": "participant.left"}
        )
    except LAYER_ERRORS:
        log.warning("channel layer unavailable: a leaving student's socket stays open until it next reconnects")
    tokens.pop(str(session_id), None)
    request.session[_TOKENS_KEY] = tokens
    messages.success(request, "You have left the class and your data from it has been deleted.")
    return redirect("classroom:join")
