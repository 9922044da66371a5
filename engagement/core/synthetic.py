"""Scripted readings with known answers, for tests, the benchmark and demos. Deterministic: no clock, and any
randomness comes from a seeded random.Random passed in."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace

from engagement.core.rules import Rules
from engagement.core.state import StudentState
from engagement.core.student import student_update
from engagement.core.types import EMOTIONS, FlagEvent, Reading


def probs(**weights: float) -> tuple[float, ...]:
    """Probabilities in EMOTIONS order from named ones; what is left goes to neutral. probs(sad=0.7)."""
    unknown = set(weights) - set(EMOTIONS)
    if unknown:
        raise ValueError(f"unknown emotions {sorted(unknown)}")
    rest = 1.0 - sum(weights.values())
    if rest < -1e-9:
        raise ValueError("probabilities add up to more than 1")
    values = [weights.get(name, 0.0) for name in EMOTIONS]
    values[EMOTIONS.index("neutral")] += max(rest, 0.0)
    return tuple(values)


NEUTRAL = probs(neutral=0.9, happy=0.04, sad=0.03, surprise=0.03)
CONFUSED = probs(angry=0.35, fear=0.25, sad=0.15, surprise=0.1, neutral=0.15)
SAD_RESTING = probs(sad=0.7, neutral=0.25, angry=0.05)
HAPPY = probs(happy=0.8, neutral=0.15, surprise=0.05)
DARK = {"brightness": 15.0, "blur": 150.0, "face_px": 120}  # a picture too dark to judge: "can't see"


def reading(
    participant_id: int,
    t: float,
    *,
    probabilities: tuple[float, ...] | None = NEUTRAL,
    face: bool = True,
    camera: str = "on",
    brightness: float | None = 120.0,
    blur: float | None = 150.0,
    face_px: int | None = 120,
    tab_visible: bool | None = True,
    focused: bool | None = True,
    idle_s: float | None = 5.0,
    yaw: float | None = None,
    pitch: float | None = None,
) -> Reading:
    """One reading of a student sitting in good light, looking at the class tab, unless told otherwise.
    probabilities and the head pose (yaw, pitch) are dropped when face is False or the camera is not on."""
    has_face = face and camera == "on"
    return Reading(
        participant_id=participant_id,
        t=t,
        camera=camera,
        face=has_face,
        probabilities=probabilities if has_face else None,
        brightness=brightness if camera == "on" else None,
        blur=blur if camera == "on" else None,
        face_px=face_px if has_face else None,
        tab_visible=tab_visible,
        focused=focused,
        idle_s=idle_s,
        yaw=yaw if has_face else None,
        pitch=pitch if has_face else None,
    )


def readings(participant_id: int, start: float, end: float, *, step: float = 1.0, **kwargs: object) -> list[Reading]:
    """Readings every `step` seconds from start (included) to end (excluded), all alike (see reading())."""
    count = max(0, round((end - start) / step))
    return [reading(participant_id, start + i * step, **kwargs) for i in range(count)]  # type: ignore[arg-type]


def alternating(a: Sequence[Reading], b: Sequence[Reading]) -> list[Reading]:
    """Take a[i] at even i and b[i] at odd i (two scripts over the same times): flicker between them."""
    return [a[i] if i % 2 == 0 else b[i] for i in range(min(len(a), len(b)))]


def replay(
    items: Iterable[Reading], *, rules: Rules, state: StudentState | None = None
) -> tuple[StudentState | None, list[FlagEvent]]:
    """Fold readings into a state one by one; returns the final state and every flag event, in order."""
    events: list[FlagEvent] = []
    for item in items:
        state, new = student_update(state, item, rules=rules)
        events += new
    return state, events


def noisy(base: tuple[float, ...], rng: random.Random, amount: float = 0.05) -> tuple[float, ...]:
    """base with some model-like jitter, still summing to 1."""
    jittered = [max(0.0, p + rng.uniform(-amount, amount)) for p in base]
    total = sum(jittered)
    return tuple(p / total for p in jittered)


def lesson(participant_id: int, *, start: float, minutes: int, rng: random.Random, step: float = 1.0) -> list[Reading]:
    """A plausible student over a lesson: mostly attentive, some confusion, looking away, a dark spell, a hidden
    tab, a paused camera. For benchmarks and demos; tests use the scripted helpers above."""
    kinds = ["attentive"] * 6 + ["confused", "away", "dark", "hidden", "paused", "happy"]
    out: list[Reading] = []
    t = start
    end = start + minutes * 60
    while t < end:
        kind = rng.choice(kinds)
        for _ in range(rng.randint(10, 60)):
            if t >= end:
                break
            base = reading(participant_id, t, probabilities=noisy(NEUTRAL, rng))
            if kind == "confused":
                base = replace(base, probabilities=noisy(CONFUSED, rng))
            elif kind == "happy":
                base = replace(base, probabilities=noisy(HAPPY, rng))
            elif kind == "away":
                base = reading(participant_id, t, face=False)
            elif kind == "dark":
                base = reading(participant_id, t, probabilities=noisy(CONFUSED, rng), brightness=15.0)
            elif kind == "hidden":
                base = replace(base, tab_visible=False, focused=False)
            elif kind == "paused":
                base = reading(participant_id, t, camera="paused")
            out.append(base)
            t += step
    return out
