"""`manage.py purge_readings [--days N] [--idle-hours H] [--dry-run]`: ends the sessions left live with no
student activity for SESSION_IDLE_END_HOURS, then deletes the raw readings of sessions older than the retention
period, keeping each session's timeline, flags, student voice and per-student summaries. Run it hourly
(deploy/systemd/classroom-pulse-purge.timer, the compose `purge` service)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagement.retention import idle_sessions_end, live_sessions_skipped, readings_purge, retention_cutoff


class Command(BaseCommand):
    help = "Delete raw readings of ended sessions that started more than READING_RETENTION_DAYS days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days of readings to keep (default: READING_RETENTION_DAYS={settings.READING_RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--idle-hours",
            type=float,
            default=None,
            help="End live sessions with no student activity for this long first (default: SESSION_IDLE_END_HOURS="
            f"{settings.SESSION_IDLE_END_HOURS:g}; 0: end none).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be deleted (ends nothing).")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the result as JSON.")

    def handle(
        self, *args, days: int | None, idle_hours: float | None, dry_run: bool, as_json: bool, **options
    ) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        ended = [] if dry_run else idle_sessions_end(idle_hours=idle_hours)
        cutoff = retention_cutoff(days=days)
        sessions = readings_purge(cutoff=cutoff, dry_run=dry_run)
        total = sum(item.readings for item in sessions)
        skipped = live_sessions_skipped(cutoff)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "cutoff": cutoff.isoformat(),
                        "dry_run": dry_run,
                        "sessions": [{"session_id": s.session_id, "readings": s.readings} for s in sessions],
                        "readings": total,
                        "live_sessions_skipped": skipped,
                        "idle_sessions_ended": ended,
                    }
                )
            )
            return
        for session_id in ended:
            self.stdout.write(f"Ended session {session_id}: no student activity for the idle limit")
        verb = "Would delete" if dry_run else "Deleted"
        for item in sessions:
            self.stdout.write(f"{verb} {item.readings} readings of session {item.session_id}")
        self.stdout.write(
            f"{verb} {total} readings from {len(sessions)} sessions started before {cutoff:%Y-%m-%d %H:%M} UTC."
        )
        if skipped:
            self.stdout.write(f"Skipped {skipped} session(s) still marked live: end them to purge their readings.")
