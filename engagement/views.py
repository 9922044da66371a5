"""Report pages and exports: thin views that authorize (teachers their own classes, staff all) and delegate to
engagement.reports (reads) and engagement.retention (deletes)."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from classroom.models import ClassSession, Participant
from classroom.selectors import course_for_teacher, session_for_teacher
from engagement import exports, reports, retention


@login_required
@require_GET
def course_history(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_teacher(request.user, course_id)
    history = reports.course_history(course)
    return render(
        request,
        "engagement/course_history.html",
        {"course": course, "history": history, "comparison": reports.course_comparison(history)},
    )


def _report_context(request: HttpRequest, session_id: int) -> dict:
    session = session_for_teacher(request.user, session_id)
    return {"session": session, "report": reports.session_report(session)}


@login_required
@require_GET
def session_report(request: HttpRequest, session_id: int) -> HttpResponse:
    return render(request, "engagement/session_report.html", _report_context(request, session_id))


@login_required
@require_GET
def report_print(request: HttpRequest, session_id: int) -> HttpResponse:
    return render(request, "engagement/report_print.html", _report_context(request, session_id))


@login_required
@require_GET
def report_json(request: HttpRequest, session_id: int) -> JsonResponse:
    session = session_for_teacher(request.user, session_id)
    response = JsonResponse(reports.session_report(session), json_dumps_params={"separators": (",", ":")})
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-report.json"'
    return response


def _next_chunk(chunks: Iterator[str]) -> str | None:
    return next(chunks, None)


async def _async_chunks(chunks: Iterator[str]) -> AsyncIterator[str]:
    # Under ASGI a synchronous iterator would be read whole before the first byte goes out.
    while (chunk := await sync_to_async(_next_chunk)(chunks)) is not None:
        yield chunk


def _csv_response(request: HttpRequest, chunks: Iterator[str], filename: str) -> StreamingHttpResponse:
    content = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def readings_csv(request: HttpRequest, session_id: int) -> StreamingHttpResponse:
    session = session_for_teacher(request.user, session_id)
    return _csv_response(request, exports.readings_csv_chunks(session.pk), f"session-{session.pk}-readings.csv")


@login_required
@require_GET
def flags_csv(request: HttpRequest, session_id: int) -> StreamingHttpResponse:
    session = session_for_teacher(request.user, session_id)
    return _csv_response(request, exports.flags_csv_chunks(session.pk), f"session-{session.pk}-flags.csv")


def _refuse_while_live(request: HttpRequest, session: ClassSession) -> HttpResponse | None:
    if not session.is_live:
        return None
    messages.error(request, "End the session before deleting its data.")
    return redirect("engagement:session_report", session_id=session.pk)


@login_required
@require_POST
def session_delete(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for_teacher(request.user, session_id)
    if refused := _refuse_while_live(request, session):
        return refused
    course_id, title = session.course_id, session.display_title
    retention.session_erase(session=session)
    messages.success(request, f"“{title}” and everything recorded in it were deleted.")
    return redirect("engagement:course_history", course_id=course_id)


@login_required
@require_POST
def participant_data_delete(request: HttpRequest, session_id: int, participant_id: int) -> HttpResponse:
    session = session_for_teacher(request.user, session_id)
    participant = Participant.objects.filter(pk=participant_id, session_id=session.pk).first()
    if participant is None:
        raise Http404("No such student in this session")
    if refused := _refuse_while_live(request, session):
        return refused
    name = participant.display_name
    retention.participant_erase(participant=participant)
    messages.success(request, f"{name}'s data from this session was deleted.")
    return redirect("engagement:session_report", session_id=session.pk)
