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
