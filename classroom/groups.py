"""Channel-layer group names, built from ids so every process agrees on them."""


def teachers_group(session_id: int) -> str:
    return f"session-{session_id}-teachers"


def students_group(session_id: int) -> str:
    return f"session-{session_id}-students"


def participant_group(participant_id: int) -> str:
    return f"participant-{participant_id}"


def teacher_dashboards_group(user_id: int) -> str:
    """Every open dashboard socket of one teacher (closed when they log out)."""
    return f"user-{user_id}-dashboards"
