"""`python -m inference export`: convert a trained .keras model into the LiteRT file that serving loads."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inference.serving.model import SHIPPED_KERAS, SHIPPED_TFLITE


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=SHIPPED_KERAS, help="trained .keras file (classifier or trainer)")
    parser.add_argument("--out", type=Path, default=SHIPPED_TFLITE, help="where to write the .tflite file")
    parser.add_argument(
        "--float", action="store_true", help="keep float32 weights (no int8 dynamic-range quantization)"
    )
    parser.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="divide the logits by this, after the class offsets (temperature scaling, fitted on validation data "
        "by `evaluate`)",
    )
    parser.add_argument(
        "--class-offsets",
        type=lambda text: tuple(float(v) for v in text.split(",")),
        default=None,
        help="comma-separated offsets added to the logits, one per emotion, as `evaluate --min-recall` prints them",
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from inference.serving.types import InferenceError
    from inference.training.evaluation import offset, tempered
    from inference.training.keras_model import export_serving_model, load_emotion_model

    try:
        out = export_serving_model(
            args.model, args.out, quantize=not args.float, temperature=args.temperature,
            class_offsets=args.class_offsets,
        )  # fmt: skip
        faces = np.random.default_rng(0).uniform(0, 255, (64, 48, 48, 1)).astype(np.float32)
        reference = load_emotion_model(args.model, tta=False).predict(faces)
        if args.class_offsets is not None:
            reference = offset(reference, np.asarray(args.class_offsets))
        reference = tempered(reference, args.temperature)
        exported = load_emotion_model(out, tta=False).predict(faces)
    except InferenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    drift = float(np.abs(reference - exported).max())
    agreement = float((reference.argmax(1) == exported.argmax(1)).mean())
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB); on 64 noise images: max probability difference "
          f"{drift:.4f}, same top emotion {agreement:.0%}")  # fmt: skip
    return 0
