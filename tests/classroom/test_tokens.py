import pytest

from classroom.tokens import InvalidToken, participant_claim, participant_token


def test_a_token_names_its_participant_and_session():
    claim = participant_claim(participant_token(participant_id=7, session_id=3))
    assert (claim.participant_id, claim.session_id) == (7, 3)


def test_a_tampered_token_is_invalid():
    token = participant_token(participant_id=7, session_id=3)
    with pytest.raises(InvalidToken):
        participant_claim(token[:-2] + "xx")
