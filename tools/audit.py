"""`make audit`: pip-audit over the locks, naming every package it could not check.

    python tools/audit.py LOCK [LOCK ...]

Exit status:
    0  every package was checked and none has a known vulnerability; or, where the audit is not required,
       some or all could not be checked (each is named, with the reason)
    1  a locked package has a known vulnerability (always fails)
    2  the audit is required and a package could not be checked, or the vulnerability service could not be
       reached at all

The audit is required when AUDIT_REQUIRED=1, and by default when CI is set: a CI run must not pass on an
audit that did not happen. Offline, on a laptop, it names what it could not check and lets the build go on.
AUDIT_SERVICE picks pip-audit's vulnerability service (pypi, the default, or osv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AuditOutcome:
    checked: list[str] = field(default_factory=list)  # "name version"
    vulnerable: list[str] = field(default_factory=list)  # one line per vulnerability
    unchecked: list[str] = field(default_factory=list)  # "name version: reason"
    failure: str = ""  # pip-audit's own error when it produced no report


def outcome_from_report(report: dict[str, Any] | None, failure: str = "") -> AuditOutcome:
    """Sorts pip-audit's JSON report (None: it wrote none) into checked, vulnerable and unchecked packages."""
    outcome = AuditOutcome(failure=failure if report is None else "")
    for dep in (report or {}).get("dependencies", []):
        name = f"{dep['name']} {dep['version']}" if "version" in dep else dep["name"]
        if "skip_reason" in dep:
            outcome.unchecked.append(f"{name}: {dep['skip_reason']}")
            continue
        outcome.checked.append(name)
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            outcome.vulnerable.append(f"{name}: {vuln.get('id', '?')} (fixed in: {fixes})")
    return outcome


def audit_verdict(outcome: AuditOutcome, *, required: bool) -> tuple[int, list[str]]:
    """(exit status, lines to print) for an outcome."""
    lines = [f"checked {len(outcome.checked)} packages, {len(outcome.unchecked)} could not be checked"]
    lines += [f"VULNERABLE {line}" for line in outcome.vulnerable]
    lines += [f"could not check {line}" for line in outcome.unchecked]
    unreachable = bool(outcome.failure) or (not outcome.checked and bool(outcome.unchecked))
    if outcome.failure:
        lines.append(f"pip-audit could not finish: {outcome.failure}")
    if outcome.vulnerable:
        return 1, [*lines, f"FAIL: {len(outcome.vulnerable)} known vulnerabilities in the locked packages"]
    if unreachable or outcome.unchecked:
        what = "the vulnerability service could not be reached" if unreachable else "some packages were not checked"
        if required:
            return 2, [*lines, f"FAIL: {what} (AUDIT_REQUIRED: the audit must check every package)"]
        return 0, [*lines, f"WARNING: {what}; not required here (set AUDIT_REQUIRED=1 to fail on this)"]
    return 0, [*lines, "OK: no known vulnerabilities"]


def audit_required(environ: dict[str, str]) -> bool:
    if environ.get("AUDIT_REQUIRED", "") in ("0", "1"):
        return environ["AUDIT_REQUIRED"] == "1"
    return bool(environ.get("CI"))


def pip_audit(locks: list[str], service: str) -> AuditOutcome:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "audit.json"
        argv = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--disable-pip", "--format", "json"]
        argv += ["--vulnerability-service", service, "--output", str(out)]
        for lock in locks:
            argv += ["--requirement", lock]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        if out.is_file() and out.stat().st_size:
            return outcome_from_report(json.loads(out.read_text()))
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return outcome_from_report(None, failure=tail[-300:])


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    outcome = pip_audit(argv, os.environ.get("AUDIT_SERVICE", "pypi"))
    status, lines = audit_verdict(outcome, required=audit_required(dict(os.environ)))
    print("\n".join(f"audit: {line}" for line in lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
