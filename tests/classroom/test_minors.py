"""Classes of minors (India's DPDP Act, s. 9; docs/privacy.md): no emotion estimates whatever the settings say,
and every student joins with a guardian's consent that the school verified and recorded, which the guardian can
withdraw, erasing what the class recorded about the student."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classroom.models import ClassSession, Course, GuardianConsent, Participant
from classroom.notice import NOTICE_VERSION
from classroom.services import guardian_consent_record, participant_join, session_end, session_start
from engagement.models import SelfReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def minors_course(teacher) -> Course:
    return Course.objects.create(teacher=teacher, name="Class 7 Science", students_are_minors=True)


@pytest.fixture
def minors_session(minors_course) -> ClassSession:
    return session_start(course=minors_course, title="Plants", emotion_enabled=True)


@pytest.fixture
def consent(minors_course, teacher) -> GuardianConsent:
    return guardian_consent_record(
        course=minors_course,
        recorded_by=teacher,
        student_name="Anaya",
        guardian_name="Meera Iyer",
        verification=GuardianConsent.Verification.SCHOOL_RECORDS,
        notice_language="hi",
    )


def text_of(response) -> str:
    page = re.sub(r"<script\b.*?</script>", " ", response.content.decode(), flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def join(client: Client, session: ClassSession, *, name: str = "Anaya", guardian_code: str = ""):
    form = {"code": session.code, "display_name": name, "consent": "on", "guardian_code": guardian_code}
    return client.post(reverse("classroom:join"), form)


# --- No emotion estimates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["on", "per-session"])
def test_a_class_of_minors_never_estimates_emotions(minors_course, settings, mode):
    settings.EMOTION_INFERENCE = mode
    assert not session_start(course=minors_course, emotion_enabled=True).emotion_enabled


def test_the_teacher_is_not_offered_emotion_estimates_for_minors(client, teacher, minors_course, course):
    client.force_login(teacher)
    minors_page = client.get(reverse("classroom:course_detail", args=[minors_course.pk]))
    assert "emotion_enabled" not in minors_page.context["form"].fields
    assert "their sessions never estimate emotions" in text_of(minors_page)
    client.post(
        reverse("classroom:session_start", args=[minors_course.pk]),
        {"title": "T", "frame_interval_s": "2", "emotion_enabled": "on", "sensitivity": "normal"},
    )
    assert not ClassSession.objects.get(course=minors_course).emotion_enabled
    assert "emotion_enabled" in client.get(reverse("classroom:course_detail", args=[course.pk])).context["form"].fields


def test_a_new_class_asks_whether_its_students_are_minors(client, teacher):
    client.force_login(teacher)
    refused = client.post(reverse("classroom:course_create"), {"name": "Class 8"})
    assert refused.status_code == 200 and "Please say whether the students are under 18." in text_of(refused)
    page = client.get(reverse("classroom:course_create")).content.decode()
    assert 'type="radio"' in page and "checked" not in page  # the teacher answers; nothing is ticked for them
    client.post(reverse("classroom:course_create"), {"name": "Class 8", "students_are_minors": "True"})
    assert Course.objects.get(name="Class 8").students_are_minors


def test_the_minors_setting_waits_for_the_live_session_to_end(client, teacher, course):
    client.force_login(teacher)
    live = session_start(course=course, title="Live")
    url = reverse("classroom:course_minors", args=[course.pk])
    refused = client.post(url, {"students_are_minors": "True"})
    assert refused.status_code == 409 and "End the live session first" in text_of(refused)
    course.refresh_from_db()
    assert not course.students_are_minors

    session_end(session=live)
    assert client.post(url, {"students_are_minors": "True"}).status_code == 302
    course.refresh_from_db()
    assert course.students_are_minors


# --- The guardian's consent ----------------------------------------------------------------------------------------


def test_a_student_of_minors_cannot_join_without_a_guardians_consent(client, minors_session):
    page = client.get(reverse("classroom:join_code", args=[minors_session.code]))
    assert page.context["form"].fields["guardian_code"].required  # asked for, and not shown as optional
    refused = join(client, minors_session)
    assert refused.status_code == 400
    assert "type the guardian consent code your school gave your parent or guardian" in text_of(refused)
    assert 'name="guardian_code"' in refused.content.decode()
    assert "This class is for students under 18" in text_of(refused)  # the notice says why, before consent
    assert not Participant.objects.exists()


def test_a_wrong_or_withdrawn_code_is_refused_and_counts_as_a_guess(client, minors_session, consent, settings):
    settings.JOIN_ATTEMPTS_PER_MINUTE = 2
    other = GuardianConsent.objects.create(
        course=Course.objects.create(teacher=minors_session.course.teacher, name="Other", students_are_minors=True),
        student_name="X",
        guardian_name="Y",
        verification="provided",
        notice_version=NOTICE_VERSION,
        notice_language="en",
    )
    assert join(client, minors_session, guardian_code=other.code).status_code == 400  # another class's code
    assert join(client, minors_session, guardian_code="ZZZZ-ZZZZ").status_code == 400
    assert join(client, minors_session, guardian_code=consent.code).status_code == 429  # the guesses are counted
    assert not Participant.objects.exists()


def test_a_withdrawn_consent_joins_no_more(client, minors_session, consent):
    GuardianConsent.objects.filter(pk=consent.pk).update(withdrawn_at="2026-11-30T10:00:00Z")
    refused = join(client, minors_session, guardian_code=consent.code)
    assert refused.status_code == 400 and "not valid for this class" in text_of(refused)


def test_with_the_guardians_code_the_student_joins_and_the_record_names_it(client, minors_session, consent):
    typed = f"{consent.code[:4].lower()}-{consent.code[4:]}"  # as a child types it off a letter
    assert join(client, minors_session, guardian_code=typed).status_code == 302
    participant = Participant.objects.get()
    assert participant.guardian_consent == consent
    assert participant.notice_version == NOTICE_VERSION


def test_a_class_of_adults_records_no_guardian(client, live_session, consent):
    assert join(client, live_session, guardian_code=consent.code).status_code == 302
    assert Participant.objects.get().guardian_consent is None


def test_the_school_records_a_consent_it_verified(client, teacher, minors_course):
    client.force_login(teacher)
    url = reverse("classroom:guardian_consent_add", args=[minors_course.pk])
    form = {
        "student_name": "  Kabir   Singh ",
        "guardian_name": "Harpreet Kaur",
        "verification": "virtual_token",
        "notice_language": "hi",
    }
    unconfirmed = client.post(url, form)
    assert unconfirmed.status_code == 400 and not GuardianConsent.objects.exists()
    response = client.post(url, form | {"confirmed": "on"}, follow=True)
    consent = GuardianConsent.objects.get()
    assert (consent.student_name, consent.guardian_name) == ("Kabir Singh", "Harpreet Kaur")
    assert (consent.verification, consent.notice_language, consent.notice_version) == (
        "virtual_token",
        "hi",
        NOTICE_VERSION,
    )
    assert consent.recorded_by == teacher and consent.withdrawn_at is None
    assert f"joins with the guardian consent code {consent.code}" in text_of(response)
    assert consent.code in text_of(response)  # and in the class page's table


def test_withdrawing_a_consent_erases_the_student_and_the_code_joins_no_more(client, teacher, minors_session, consent):
    student = participant_join(session=minors_session, display_name="Anaya", guardian_consent=consent)
    SelfReport.objects.create(session=minors_session, participant=student, kind="confused", t=timezone.now())
    other = guardian_consent_record(
        course=minors_session.course,
        recorded_by=teacher,
        student_name="Dev",
        guardian_name="R",
        verification="provided",
        notice_language="en",
    )
    dev = participant_join(session=minors_session, display_name="Dev", guardian_consent=other)

    client.force_login(teacher)
    url = reverse("classroom:guardian_consent_withdraw", args=[minors_session.course_id])
    assert client.post(url, {"consent": consent.pk}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert not Participant.objects.filter(pk=student.pk).exists()
    assert not SelfReport.objects.filter(participant_id=student.pk).exists()
    assert Participant.objects.filter(pk=dev.pk).exists()  # only that guardian's child
    assert join(Client(), minors_session, guardian_code=consent.code).status_code == 400


def test_another_teacher_can_neither_see_nor_withdraw_a_consent(client, other_teacher, minors_session, consent):
    client.force_login(other_teacher)
    url = reverse("classroom:guardian_consent_withdraw", args=[minors_session.course_id])
    assert client.post(url, {"consent": consent.pk}).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_a_consent_of_another_class_cannot_be_withdrawn_through_mine(client, teacher, course, consent):
    client.force_login(teacher)
    url = reverse("classroom:guardian_consent_withdraw", args=[course.pk])
    assert client.post(url, {"consent": consent.pk}).status_code == 404
    assert client.post(url, {"consent": "not a number"}).status_code == 404
