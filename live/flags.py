"""Flags raised or cleared by the rules: stored as Flag rows, told to the dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from classroom.groups import teachers_group
from engagement import core
from engagement.models import Flag
from engagement.rows import as_datetime, flag_row
from live.payloads import Outgoing, flag_message
from live.records import StudentRecord


def flag_events_store(
    session_id: int, record: StudentRecord, events: Sequence[core.FlagEvent], *, dismissed_by: int | None = None
) -> list[Outgoing]:
    """Stores raised/cleared flags (keeping the record's flag ids in step) and returns the dashboard messages."""
    out = []
    for event in events:
        if event.action == "raised":
            flag = flag_row(session_id, event)
            flag.save()
            record.flag_ids[event.kind] = flag.pk
        else:
            flag_id = record.flag_ids.pop(event.kind, None)
            found = Flag.objects.filter(pk=flag_id).first() if flag_id else None
            if found is None:
                continue
            flag = found
            flag.cleared_at = as_datetime(event.t)
            if dismissed_by is not None:
                flag.dismissed_at, flag.dismissed_by_id = flag.cleared_at, dismissed_by
            flag.save(update_fields=["cleared_at", "dismissed_at", "dismissed_by"])
        kind = "flag.raised" if event.action == "raised" else "flag.cleared"
        out.append(Outgoing(teachers_group(session_id), {"type": kind, "flag": flag_message(flag, record.name)}))
    return out
