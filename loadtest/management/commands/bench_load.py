"""`manage.py bench_load`: the load benchmark of loadtest/bench.py, with a table of its runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loadtest.bench import load_bench, memory_lines, table


class Command(BaseCommand):
    help = "Load benchmark: the simulated class on the embedded default and on Redis + 2 Daphne + 2 workers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", default="50,200", help="Comma list of class sizes.")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--duration", type=float, default=60.0, help="Seconds of streaming per run.")
        parser.add_argument("--setups", default="embedded,scaleout")
        parser.add_argument("--quick", action="store_true", help="Smoke run: 5 and 20 students, 15 s each.")
        parser.add_argument(
            "--soak",
            action="store_true",
            help="Memory check: 100 students (or --students) for 10 minutes on Redis + workers.",
        )
        parser.add_argument("--json-out", type=Path, help="Also write the runs as JSON here.")

    def handle(self, *args: Any, **opts: Any) -> None:
        setups = [s for s in opts["setups"].split(",") if s]
        sizes = [int(n) for n in opts["students"].split(",") if n]
        if opts["quick"]:
            sizes, opts["duration"] = [5, 20], 15.0
        if opts["soak"]:
            setups, opts["duration"] = ["scaleout"], max(opts["duration"], 600.0)
            sizes = [100] if opts["students"] == "50,200" else sizes
        try:
            report = load_bench(
                setups=setups,
                sizes=sizes,
                interval_s=opts["interval"],
                duration_s=opts["duration"],
                say=self.stderr.write,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        runs = report["runs"]
        self.stdout.write(table(runs))
        if opts["soak"]:
            self.stdout.write("\n" + "\n".join(memory_lines(run) for run in runs))
        competing = report["other_cpu_jobs"]
        self.stdout.write(
            f"\n{os.cpu_count()} CPUs; {opts['interval']:g} s between a student's frames, {opts['duration']:g} s "
            f"per run; emotion model: {report['emotion_model']}; other CPU jobs at the start: "
            f"{len(competing) or 'none'}"
        )
        if opts["json_out"]:
            opts["json_out"].write_text(json.dumps(report, indent=2))
