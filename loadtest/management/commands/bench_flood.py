"""`manage.py bench_flood`: the flood benchmark of loadtest/flood.py (issue 14), quiet and flooded back to back."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from loadtest.flood import flood_bench, flood_class_run, quiet_class_run


class Command(BaseCommand):
    help = "Two classes on one server, one flooding every command type: the other's p95 tile latency, quiet vs flooded."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", type=int, default=20, help="Students of the quiet class.")
        parser.add_argument("--flooders", type=int, default=4, help="Flooding students (plus their teacher).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between a quiet student's frames.")
        parser.add_argument("--duration", type=float, default=30.0, help="Seconds of streaming per run.")
        parser.add_argument("--json-out", type=Path, help="Also write the report as JSON here.")
        parser.add_argument("--child", choices=["quiet", "flood"], help="(internal) one class against --url.")
        parser.add_argument("--url", default="", help="(with --child) the server.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["child"] == "flood":
            self.stdout.write(json.dumps(flood_class_run(url=opts["url"], flooders=opts["flooders"])))
            return
        if opts["child"] == "quiet":
            run = quiet_class_run(
                url=opts["url"], students=opts["students"], interval_s=opts["interval"], duration_s=opts["duration"]
            )
            self.stdout.write(json.dumps(run))
            return
        with tempfile.TemporaryDirectory(prefix="pulse-flood-") as tmp:
            report = flood_bench(
                students=opts["students"],
                flooders=opts["flooders"],
                interval_s=opts["interval"],
                duration_s=opts["duration"],
                workdir=Path(tmp),
                say=self.stderr.write,
            )
        self.stdout.write(
            "| run | quiet class p50 ms | p95 ms | max ms | answered / sent | flood commands sent "
            "| rows stored by the flood |"
        )
        self.stdout.write("|---|---|---|---|---|---|---|")
        for name, run in report["runs"].items():
            quiet, flood = run["quiet"], run.get("flood")
            lat = quiet["latency_ms"]
            sent = f"{sum(flood['sent'].values())} ({flood['sent_per_s']}/s)" if flood else "none"
            self.stdout.write(
                f"| {name} | {lat['p50']} | {lat['p95']} | {lat['max']} | {quiet['updates']} / {quiet['sent']} | "
                f"{sent} | {flood['rows_stored'] if flood else '-'} |"
            )
        self.stdout.write(
            f"\np95 flooded / quiet: {report['p95_ratio']}; {os.cpu_count()} CPUs; emotion model: "
            f"{report['emotion_model']}; other CPU jobs: {len(report['other_cpu_jobs']) or 'none'}"
        )
        if opts["json_out"]:
            opts["json_out"].write_text(json.dumps(report, indent=2))
