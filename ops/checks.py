"""System checks for running in production (`manage.py check --deploy`). Importing ops.metrics here would make
every management command write metrics files: this module reads the environment instead."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def metrics_multiprocess_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Several processes without a shared metrics directory: each /metrics answer would show one of them."""
    if settings.DEBUG or settings.INFERENCE_IN_PROCESS or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return []
    return [
        Warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows only the process that answers, not the sum of "
            "every Daphne and worker process.",
            hint="Set PROMETHEUS_MULTIPROC_DIR to one empty directory shared by every Pulse process of the host "
            "(docs/deploy.md, 'Metrics').",
            id="ops.W001",
        )
    ]
