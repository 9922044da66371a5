"""Channel-layer group names, built from ids so every process agrees on them."""


def teachers_group(session_id: int) -> str:
    return f"session-{session_id}-teachers"


def students_group(session_id: int) -> str:
    return f"session-{session_id}-students"


def participant_group(participant_id: int) -> str:
    return f"participant-{participant_id}"
