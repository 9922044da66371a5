"""What this CPU offers: its model and feature flags, the vector extensions that change LiteRT's speed 4x, and
whether Keras should train in bfloat16. Plain Python: cheap to import anywhere."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from inference.serving.types import InferenceError

PRECISIONS = ("auto", "float32", "bfloat16", "float16")
_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
_SERVING_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16")


def cpu_model_and_flags() -> tuple[str, frozenset[str]]:
    """The CPU's model name and feature flags as Linux reports them in /proc/cpuinfo (the platform's processor
    name and no flags where it can't be read)."""
    model, flags = platform.processor() or platform.machine(), frozenset[str]()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return model, flags
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            model = value.strip()
        elif key.strip() == "flags":
            return model, frozenset(value.split())
    return model, flags


def machine_description() -> str:
    """CPU model, core count and the vector extensions the kernels can use, e.g. "AMD EPYC, 2 cpus, avx2 fma"."""
    model, flags = cpu_model_and_flags()
    vector = [f for f in _SERVING_FLAGS if f in flags]
    return f"{model}, {os.cpu_count()} cpus" + (f", {' '.join(vector)}" if vector else "")


def precision_candidates(requested: str, *, flags: frozenset[str] | None = None) -> tuple[str, ...]:
    """The precisions a run asked to compute in ``requested`` may use: "auto" is bfloat16 or float32 where the CPU
    computes bfloat16 natively (AMX or AVX512-BF16; the trainer times both and keeps the faster), else float32;
    the others are returned as they are."""
    if requested not in PRECISIONS:
        raise InferenceError(f"precision {requested!r}: expected one of {', '.join(PRECISIONS)}")
    if requested != "auto":
        return (requested,)
    flags = cpu_model_and_flags()[1] if flags is None else flags
    return ("bfloat16", "float32") if flags & _BF16_FLAGS else ("float32",)
