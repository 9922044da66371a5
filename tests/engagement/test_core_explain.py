"""The plain-words explanations a teacher reads on a flag."""

import pytest

from engagement.core import explain


@pytest.mark.parametrize(
    ("seconds", "words"), [(0, "0 s"), (40.4, "40 s"), (89, "89 s"), (120, "2 min"), (130, "2 min 10 s")]
)
def test_durations_read_naturally(seconds, words):
    assert explain.duration(seconds) == words


def test_a_face_based_confused_flag_gives_the_share_and_the_students_usual():
    text = explain.confused_raised(cause="face", held_s=40, share=0.65, usual=0.2, window_s=30, learning=False)
    assert text == (
        "Looks confused for 40 s: brow-lowering or worried expressions 65% of the last 30 s, "
        "usually 20% for this student."
    )


def test_a_tapped_confused_flag_shows_the_face_side_by_side():
    text = explain.confused_raised(cause="report", held_s=0, share=0.1, usual=0.2, window_s=30, learning=True)
    assert text == (
        "Tapped “I'm confused”. Face: brow-lowering or worried expressions 10% of the last 30 s, "
        "usually about 20% (still learning this student's usual face)."
    )


def test_a_bored_flag_from_a_hidden_tab_says_the_tab_is_the_better_cue():
    text = explain.bored_raised(held_s=30, window_s=120, hidden=0.5, unfocused=0.0, no_face=0.1, idle=0.0, flat=None)
    assert text == (
        "Seems bored for 30 s: in the last 2 min, class tab hidden 50%, face out of view 10%. "
        "A hidden tab is a far better boredom cue than a neutral face."
    )


def test_a_bored_flag_without_a_hidden_tab_says_a_neutral_face_alone_is_not_enough():
    text = explain.bored_raised(held_s=30, window_s=120, hidden=0.0, unfocused=0.3, no_face=0.0, idle=0.0, flat=0.8)
    assert text == (
        "Seems bored for 30 s: in the last 2 min, window not focused 30%; face mostly neutral or sad (80%) and "
        "stiller than usual. A neutral face alone is never enough for this flag: drifting attention raised it."
    )


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
    text = explain.confused_cleared(lasted_s=60, quality=quality)
    if ending is None:
        assert text == "No longer looks confused (flag lasted 60 s)."
    else:
        assert text == f"Cleared after 60 s: {ending}"


def test_absence_gives_the_time_and_the_reason():
    assert explain.absent_raised(away_s=None, hidden_s=75) == (
        "The class tab has been hidden for 75 s: the lesson is not on screen."
    )
    assert explain.absent_cleared(lasted_s=200, quality=None) == "Back after 3 min 20 s away."


def test_a_bored_flag_cleared_while_the_camera_is_paused_says_attention_is_back():
    # Bored is judged from the page too, so a paused camera is no reason it cleared.
    assert explain.bored_cleared(lasted_s=45, quality="camera_off") == "Attention is back (flag lasted 45 s)."
    assert explain.bored_cleared(lasted_s=45, quality="too_blurry") == (
        "Cleared after 45 s: the picture is too blurry to tell."
    )
