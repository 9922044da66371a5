"""The Grafana dashboard and the Prometheus alerts name only metrics the processes export."""

import json
import re
from pathlib import Path

from django.conf import settings
from prometheus_client import REGISTRY

MONITORING = Path(settings.BASE_DIR) / "deploy" / "monitoring"


def exported_names() -> set[str]:
    import ops.metrics  # noqa: F401  (registers the metrics)

    names = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        names |= {sample.name for sample in metric.samples}
        if metric.type == "counter":
            names.add(metric.name + "_total")
        if metric.type == "histogram":
            names |= {metric.name + suffix for suffix in ("_bucket", "_sum", "_count")}
    return names


def test_the_dashboard_and_the_alerts_use_exported_metrics_only():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    expressions.append((MONITORING / "prometheus-alerts.yml").read_text())
    used = {name for text in expressions for name in re.findall(r"\bpulse_[a-z_]+", text)}
    assert used, "no pulse_ metric named"
    assert sorted(used - exported_names()) == []
