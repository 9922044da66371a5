import pytest

from live import protocol
from live.protocol import ProtocolError


def test_it_parses_a_known_command():
    assert protocol.parse_command('{"type": "leave"}', {"leave"}) == {"type": "leave"}


@pytest.mark.parametrize("text", ["", "nope", "1", '"x"', "[]", "null"])
def test_it_rejects_what_is_not_a_json_object(text):
    with pytest.raises(ProtocolError) as error:
        protocol.parse_command(text, {"leave"})
    assert error.value.code == "bad_json"


def test_it_cleans_attention_signals():
    signals = protocol.attention_signals({"visible": False, "focused": None, "idle_s": 10**9, "camera": "paused"})
    assert signals == {"visible": False, "focused": None, "idle_s": 86_400.0, "camera": "paused"}


@pytest.mark.parametrize("bad", [{"visible": "yes"}, {"camera": "tv"}, {"idle_s": float("nan")}, {"idle_s": True}])
def test_it_rejects_malformed_attention(bad):
    with pytest.raises(ProtocolError):
        protocol.attention_signals(bad)


def test_self_report_text_is_trimmed_to_280_characters():
    kind, text = protocol.self_report({"kind": "too_fast", "text": "  slow  down " + "a" * 500})
    assert kind == "too_fast" and len(text) == 280 and text.startswith("slow down")


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        ("ab👩🏽\u200d🎓", 3, "ab"),  # an emoji with its skin tone is never split from it
        ("ab👩🏽\u200d🎓", 5, "ab"),  # nor a joined (ZWJ) emoji cut after its joiner
        ("ab👩🏽\u200d🎓", 6, "ab👩🏽\u200d🎓"),
        ("Jose\u0301 Ruiz", 4, "Jos"),  # a letter keeps its combining accent
        ("नमस्ते", 4, "नम"),  # the conjunct स्त stays whole
        ("नमस्ते", 6, "नमस्ते"),
        ("hello", 3, "hel"),
    ],
)
def test_a_text_cut_short_ends_on_a_whole_character(text, limit, kept):
    assert protocol.text_clip(text, limit) == kept
    assert protocol.clean_text(text, limit) == kept


def test_a_long_note_is_cut_on_a_whole_character():
    text = "a" * (protocol.MAX_REPORT_TEXT - 1) + "👍🏾"
    _, kept = protocol.self_report({"kind": "confused", "text": text})
    assert kept == "a" * (protocol.MAX_REPORT_TEXT - 1)
