"""How fast this CPU trains: the precision that is fastest here, and the speed a run prints once it has started.

AMX or AVX512-BF16 make bfloat16 worth trying, not a sure win: on a 2-core Xeon with AMX the 1.18M-parameter net
took 0.86 s per step in bfloat16 against 0.73 s in float32, while the 4.7M one took 1.58 s against 2.04 s. So
``--precision auto`` times a few real steps of each candidate and keeps the faster.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from inference.training.machine import machine_description

POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


def seconds_per_step(model: Any, x: np.ndarray, y: np.ndarray, *, steps: int) -> float:
    """Mean wall time of ``steps`` training steps on one batch, after one step that compiles."""
    model.train_on_batch(x, y)
    begun = time.monotonic()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return (time.monotonic() - begun) / steps


def precision_fastest(
    candidates: Sequence[str],
    build: Callable[[], Any],
    batch: tuple[np.ndarray, np.ndarray],
    *,
    steps: int = 6,
    timer: Callable[..., float] = seconds_per_step,
) -> tuple[str, dict[str, float]]:
    """The candidate precision whose training step is fastest here, and each one's seconds per step.

    ``build`` makes the training model under the process's current Keras policy; one candidate is returned
    untimed. The process's policy is put back afterwards.
    """
    if len(candidates) == 1:
        return candidates[0], {}
    timings: dict[str, float] = {}
    previous = keras.mixed_precision.global_policy()
    try:
        for precision in candidates:
            keras.mixed_precision.set_global_policy(POLICIES[precision])
            timings[precision] = timer(build(), *batch, steps=steps)
            keras.backend.clear_session()
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return min(timings, key=timings.__getitem__), timings


def timings_line(chosen: str, timings: dict[str, float]) -> str:
    """ "precision auto: bfloat16 860 ms per step, float32 731 ms per step: float32"."""
    measured = ", ".join(f"{p} {s * 1000:.0f} ms per step" for p, s in timings.items())
    return f"precision auto: {measured}: {chosen}"


class SpeedProbe(keras.callbacks.Callback):
    """Print the measured training speed once, over the first steps of a run (after the first, which compiles)."""

    FIRST, LAST = 2, 21

    def __init__(self, *, precision: str) -> None:
        super().__init__()
        self.precision = precision
        self.begun = 0.0
        self.done = False

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if batch == self.FIRST and not self.done:
            self.begun = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if batch == self.LAST and not self.done:
            self.done = True
            per_step = (time.monotonic() - self.begun) / (self.LAST - self.FIRST + 1)
            print(
                f"\nspeed: {1 / per_step:.2f} steps/s ({per_step * 1000:.0f} ms per step), {self.precision} compute "
                f"on {machine_description()}",
                flush=True,
            )
