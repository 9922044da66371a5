import pytest

from classroom import protocol
from classroom.protocol import ProtocolError
from classroom.tokens import InvalidToken, participant_claim, participant_token


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


def test_a_token_names_its_participant_and_session():
    claim = participant_claim(participant_token(participant_id=7, session_id=3))
    assert (claim.participant_id, claim.session_id) == (7, 3)


def test_a_tampered_token_is_invalid():
    token = participant_token(participant_id=7, session_id=3)
    with pytest.raises(InvalidToken):
        participant_claim(token[:-2] + "xx")
