"""Bytes over the wire for a first load of the teacher's dashboard and of a session's report, as a browser gets
them (Chromium, empty cache, compressed as the server sends them), for docs/benchmarks.md.

    python -m loadtest.page_weight --url http://127.0.0.1:8000 --teacher NAME --password PASSWORD

It logs in, creates a class and a live session (ending it afterwards), and loads each page in a fresh browser
context, summing every response's encoded body and headers. Run it against a server with DEBUG off and
`manage.py collectstatic` done, so static files come compressed and with hashed names as in production.
Needs Playwright for Python and Chromium (PULSE_CHROMIUM, default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections import defaultdict
from typing import Any


def page_weight(context: Any, url: str) -> dict[str, Any]:
    """{"bytes": total, "by_type": {resource type: bytes}, "encodings": {url tail: content-encoding}} for one load."""
    responses: list[Any] = []
    page = context.new_page()
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(url, wait_until="networkidle")
    by_type: dict[str, int] = defaultdict(int)
    encodings = {}
    for request in responses:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        by_type[request.resource_type] += size
        response = request.response()
        if response is not None and request.resource_type in ("script", "stylesheet"):
            encodings[request.url.rsplit("/", 1)[-1]] = response.headers.get("content-encoding", "identity")
    page.close()
    return {"bytes": sum(by_type.values()), "by_type": dict(by_type), "encodings": encodings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--teacher", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base = args.url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium"))
        setup = browser.new_context()
        page = setup.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(args.teacher)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="New class", exact=True).click()
        page.get_by_label("Class name").fill("Page weight")
        page.get_by_role("radio", name=re.compile("^No:")).check()
        page.get_by_role("button", name="Create class").click()
        page.get_by_role("button", name="Start live session").click()
        page.wait_for_url(re.compile(r"/sessions/\d+/live/"))
        dashboard_url = page.url
        state = setup.storage_state()
        results = {"dashboard": page_weight(browser.new_context(storage_state=state), dashboard_url)}
        page.get_by_role("button", name="End session").click()
        page.locator("#end-confirm").click()
        report = page.get_by_role("link", name="Open the report")
        report.wait_for()
        results["report"] = page_weight(browser.new_context(storage_state=state), base + report.get_attribute("href"))
        browser.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
