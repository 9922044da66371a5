"""Pages in the reader's language: the switcher remembers the choice, the page says its language and direction,
the scripts get their strings from a catalogue served by this host, the word lists and dates follow, and text
people typed keeps its own direction."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from classroom.services import participant_join
from engagement.vocabulary import vocabulary

pytestmark = pytest.mark.django_db

VOCABULARY_JSON = re.compile(r'<script id="pulse-vocabulary" type="application/json">(.*?)</script>', re.S)


def hindi_reader() -> Client:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "hi", "next": reverse("classroom:join")})
    assert response.status_code == 302 and response["Location"] == reverse("classroom:join")
    return client


def test_the_language_switcher_remembers_the_choice_for_a_year(client):
    response = client.post(reverse("set_language"), {"language": "hi", "next": "/join/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "hi" and int(cookie["max-age"]) >= 365 * 24 * 3600 - 1
    assert cookie["samesite"] == "Lax" and cookie["httponly"]
    page = client.get(reverse("classroom:join")).content.decode()
    assert '<html lang="hi" dir="ltr">' in page
    assert '<h1 id="join-title">कक्षा से जुड़ें</h1>' in page


def test_every_page_offers_each_language_in_its_own_words_without_script(client):
    page = client.get(reverse("login")).content.decode()
    switcher = re.search(r'<form class="language-switcher".*?</form>', page, re.S)[0]
    assert f'action="{reverse("set_language")}"' in switcher and 'method="post"' in switcher
    assert 'lang="hi"' in switcher and ">हिंदी<" in switcher and ">English<" in switcher
    assert 'aria-current="true"' in switcher.split('value="en"')[1].split(">")[0]  # English is the page's now
    assert "<script" not in switcher and " on" not in re.sub(r'"[^"]*"', "", switcher)


def test_the_scripts_strings_come_from_a_catalogue_on_this_host_before_the_modules(live_session):
    reader = hindi_reader()
    participant_join(session=live_session, display_name="x")  # a student page is a module page like any
    page = reader.get(reverse("classroom:join")).content.decode()
    catalogue_at = page.index(f'<script src="{reverse("javascript-catalog")}"></script>')
    assert catalogue_at < page.index('<script type="module"')
    catalogue = reader.get(reverse("javascript-catalog"))
    assert catalogue["Content-Type"].startswith("text/javascript")
    body = catalogue.content.decode()
    assert json.dumps("कैमरा चालू करें")[1:-1] in body  # "Start camera", as student.js asks for it (JSON-escaped)
    assert "eval(" not in body and "new Function" not in body  # the strict CSP allows neither


def test_the_word_lists_are_handed_over_in_the_readers_language():
    with translation.override("hi"):
        hindi = vocabulary()
    with translation.override("en"):
        english = vocabulary()
    assert english["report_labels"]["confused"] == "I'm confused"
    assert hindi["report_labels"]["confused"] == "मुझे समझ नहीं आया"
    assert hindi["flag_labels"] == {
        "absent": "दूर",
        "confused": "उलझन",
        "bored": "ऊब",
        "looking_away": "नज़र हटी हुई",
    }
    assert hindi["flag_cause_labels"] == {"tab_hidden": "टैब छिपा है"}
    assert hindi["explanation_messages"]["absent.back"] == "%(lasted_s)s दूर रहने के बाद वापस।"  # the flags explained too
    assert hindi["quality_hints"]["too_dark"] == "थोड़ी और रोशनी चाहिए: लैंप या खिड़की की ओर मुँह करें।"
    assert hindi["emotions"] == english["emotions"] and set(hindi["emotion_labels"]) == set(english["emotions"])


def test_the_student_page_is_handed_hindi_words_and_buttons(live_session):
    reader = hindi_reader()
    reader.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "Zoë", "consent": "on"})
    page = reader.get(reverse("classroom:student", args=[live_session.pk])).content.decode()
    handed = json.loads(VOCABULARY_JSON.search(page)[1])
    assert handed["poll_answer_labels"] == {"yes": "हाँ", "not_yet": "अभी नहीं"}
    assert 'data-kind="raise_hand">हाथ उठाएँ</button>' in page
    assert "आपका कैमरा" in page


def test_text_people_typed_keeps_its_own_direction(client, teacher, live_session):
    participant_join(session=live_session, display_name="x")
    student = Client()
    student.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "سارا", "consent": "on"})
    page = student.get(reverse("classroom:student", args=[live_session.pk])).content.decode()
    assert '<strong dir="auto">سارا</strong>' in page
    assert f'<h1 dir="auto">{live_session.display_title}</h1>' in page
    assert f'<p class="eyebrow" dir="auto">{live_session.course.name}</p>' in page
    assert 'id="poll-question" dir="auto"' in page and 'id="voice-text" rows="2" dir="auto"' in page

    client.force_login(teacher)
    home = client.get(reverse("classroom:home")).content.decode()
    assert f'dir="auto">{live_session.course.name}</a>' in home
    course = client.get(reverse("classroom:course_detail", args=[live_session.course_id])).content.decode()
    assert f'<h1 dir="auto">{live_session.course.name}</h1>' in course


def test_dates_follow_the_readers_language(teacher, live_session):
    reader = hindi_reader()
    reader.force_login(teacher)
    page = reader.get(reverse("classroom:home")).content.decode()
    expected = live_session.course.created_at.strftime("%Y")
    assert re.search(r"\d{1,2} (जनवरी|फ़रवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|अक्टूबर|नवंबर|दिसंबर) " + expected, page)
