"""/healthz, /readyz and /metrics, answered by the first middleware.

Probes come from load balancers, container engines and Prometheus, which address a process by its own host
and port over plain HTTP: answering before Django's SecurityMiddleware and CommonMiddleware keeps them clear
of ALLOWED_HOSTS and the HTTPS redirect, and of sessions, CSRF and authentication, which they don't need.

    /healthz  200 while the process answers HTTP (liveness); touches nothing else
    /readyz   200 when every check in ops.health passes, else 503; JSON either way
    /metrics  Prometheus text, to clients in METRICS_ALLOWED_IPS or bearing METRICS_TOKEN; 403 otherwise
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from ops import health, metrics

HEALTHZ, READYZ, METRICS = "/healthz", "/readyz", "/metrics"


@cache
def _allowed_networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec.split(",") if item.strip())


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the client may read /metrics: a right bearer token, or an address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks(settings.METRICS_ALLOWED_IPS))


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    results = health.readiness()
    ready = all(result.ok for result in results)
    body = {"status": "ok" if ready else "unavailable", "checks": {r.name: r.to_dict() for r in results}}
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden: /metrics answers METRICS_ALLOWED_IPS or METRICS_TOKEN.\n", status=403)
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    HEALTHZ: healthz,
    READYZ: readyz,
    METRICS: metrics_view,
}


class ProbeMiddleware:
    """First in MIDDLEWARE: answers the probe paths itself (GET and HEAD only) and passes everything else on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        return probe(request)
