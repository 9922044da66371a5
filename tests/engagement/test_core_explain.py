"""The explanations a teacher reads on a flag: messages from the core, sentences at the edge."""

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from engagement.core import explain
from engagement.explanations import duration_text, explanation_text


def words(explanation) -> str:
    with translation.override("en"), timezone.override("UTC"):
        return explanation_text(explanation)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (40.4, "40 s"), (89, "89 s"), (120, "2 min"), (130, "2 min 10 s")]
)
def test_durations_read_naturally(seconds, text):
    with translation.override("en"):
        assert duration_text(seconds) == text


@override_settings(TIME_FORMAT="H:i")
def test_a_face_based_confused_flag_says_since_when_and_gives_the_share_and_the_students_usual():
    since = 1_767_603_600.0 + 2 * 3600 + 42 * 60  # 11:42 UTC
    explanation = explain.confused_raised(cause="face", since=since, share=0.65, usual=0.2, window_s=30, learning=False)
    assert explanation == [
        {"id": "confused.face", "params": {"since_at": since, "share_pct": 65, "window_s": 30, "usual_pct": 20}}
    ]
    assert words(explanation) == (
        "Looks confused since 11:42: brow-lowering or worried expressions in 65% of the 30 s before it was raised, "
        "usually 20% for this student."
    )


@override_settings(TIME_FORMAT="H:i")
def test_a_tapped_confused_flag_says_so_and_nothing_more():
    tapped = 1_767_603_600.0 + 5 * 60  # 09:05 UTC
    explanation = explain.confused_raised(
        cause="report", since=tapped, share=0.1, usual=0.2, window_s=30, learning=True
    )
    assert explanation == [{"id": "confused.report", "params": {"tapped_at": tapped}}]
    assert words(explanation) == "The student tapped “I'm confused” at 09:05."
    assert explain.is_report_explanation(explanation)


def test_a_bored_flag_from_a_hidden_tab_says_the_tab_is_the_better_cue():
    text = words(
        explain.bored_raised(since=0, window_s=120, hidden=0.5, unfocused=0.0, no_face=0.1, idle=0.0, flat=None)
    )
    assert (
        "in the 2 min before it was raised, class tab hidden 50%, window not focused 0%, face out of view 10%" in text
    )
    assert text.endswith("A hidden tab is a far better boredom cue than a neutral face.")


def test_a_bored_flag_without_a_hidden_tab_says_a_neutral_face_alone_is_not_enough():
    text = words(
        explain.bored_raised(since=0, window_s=120, hidden=0.0, unfocused=0.3, no_face=0.0, idle=0.0, flat=0.8)
    )
    assert "window not focused 30%" in text
    assert "The face was mostly neutral or sad (80%) and stiller than usual." in text
    assert text.endswith("A neutral face alone is never enough for this flag: drifting attention raised it.")


@pytest.mark.parametrize(
    ("quality", "ending"),
    [
        ("too_dark", "the picture is too dark to tell."),
        ("camera_off", "the camera is paused, so there is no face to tell from."),
        ("no_face", "the face is out of view, so there is nothing to tell from."),
        ("ok", None),
        (None, None),
    ],
)
def test_a_flag_cleared_by_a_poor_picture_says_so(quality, ending):
    text = words(explain.confused_cleared(lasted_s=60, quality=quality))
    if ending is None:
        assert text == "No longer looks confused (flag lasted 60 s)."
    else:
        assert text == f"Cleared after 60 s: {ending}"


@override_settings(TIME_FORMAT="H:i")
def test_absence_says_since_when_so_it_never_goes_stale():
    since = 1_767_603_600.0 + 42 * 60  # 09:42 UTC
    raised = explain.absent_raised(away_since=None, hidden_since=since)
    assert raised == [{"id": "absent.tab_hidden", "params": {"since_at": since}}]
    assert words(raised) == "The class tab has been hidden since 09:42: the lesson is not on screen."
    assert words(explain.absent_cleared(lasted_s=200, quality=None)) == "Back after 3 min 20 s away."


def test_a_bored_flag_cleared_while_the_camera_is_paused_says_attention_is_back():
    # Bored is judged from the page too, so a paused camera is no reason it cleared.
    assert words(explain.bored_cleared(lasted_s=45, quality="camera_off")) == "Attention is back (flag lasted 45 s)."
    assert words(explain.bored_cleared(lasted_s=45, quality="too_blurry")) == (
        "Cleared after 45 s: the picture is too blurry to tell."
    )


def test_a_sentence_stored_before_messages_is_kept_word_for_word():
    assert words(explain.from_text("No face in view for 31 s.")) == "No face in view for 31 s."
    assert explain.from_text("") == []


def test_every_message_the_core_builds_is_in_the_catalogue():
    with pytest.raises(KeyError):
        explain.message("absent.nonsense")
