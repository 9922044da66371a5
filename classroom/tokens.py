"""Signed participant tokens: a student's only credential, bound to one participant of one session."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_SALT = "classroom.participant-token"


@dataclass(frozen=True)
class ParticipantClaim:
    participant_id: int
    session_id: int


class InvalidToken(Exception):
    """The token is missing, tampered with or expired."""


def participant_token(*, participant_id: int, session_id: int) -> str:
    return signing.dumps({"p": participant_id, "s": session_id}, salt=_SALT, compress=False)


def participant_claim(token: str | None, *, max_age_s: int | None = None) -> ParticipantClaim:
    """Returns the participant and session the token was issued for; raises InvalidToken."""
    if not token:
        raise InvalidToken("missing token")
    max_age = settings.PARTICIPANT_TOKEN_MAX_AGE_S if max_age_s is None else max_age_s
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidToken("expired token") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("invalid token") from exc
    try:
        return ParticipantClaim(participant_id=int(payload["p"]), session_id=int(payload["s"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidToken("invalid token") from exc


# Where the join view keeps a browser's participant tokens in its Django session: {str(session id): token}.
SESSION_TOKENS_KEY = "pulse_participant_tokens"
