"""`python -m inference bench [--json]`: per-face and per-frame speed of the serving pipeline on this machine.

Every figure is the median of `--repeats` timed calls after warm-up, on `--threads` intra-op threads
(default 1, i.e. one core; pin the process with `taskset -c 0` as well to keep the OS from moving it).
The same model is also called directly through Keras in the same run, so the speedup is measured,
not quoted. Images are generated (inference.training.synthetic): nothing is downloaded.

`--detection` compares the face detectors instead (inference/cli/bench_detection.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from inference.training.machine import machine_description


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--model", type=Path, default=None, help=".tflite to serve (default: the shipped one)")
    parser.add_argument("--keras", type=Path, default=None, help=".keras for the direct-call baseline")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1: one core)")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--no-tta", action="store_true", help="classify each face once, without test-time augmentation")
    parser.add_argument(
        "--detection",
        action="store_true",
        help="instead: BlazeFace and Haar side by side (recall, false faces, ms per frame, end-to-end accuracy)",
    )
    from inference.cli.bench_detection import configure as configure_detection

    configure_detection(parser)


def run(args: argparse.Namespace) -> int:
    if args.threads == 1:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.detection:
        from inference.cli.bench_detection import run as run_detection

        return run_detection(args)
    from inference.serving.analyzer import FaceAnalyzer
    from inference.serving.model import SHIPPED_KERAS, shipped_model_path, tta_views
    from inference.training.keras_model import KerasEmotionModel, load_emotion_model
    from inference.training.synthetic import synthetic_face_jpeg

    tta = not args.no_tta
    with tempfile.TemporaryDirectory() as scratch:
        serving_path = args.model or shipped_model_path()
        keras_path = args.keras or SHIPPED_KERAS
        model_note = str(serving_path)
        if not serving_path.is_file() or not keras_path.is_file():
            serving_path, keras_path = _random_init_models(Path(scratch))
            model_note = "random-init default architecture (no trained model found; speed does not depend on weights)"
        load_started = time.perf_counter()
        model = load_emotion_model(serving_path, tta=tta, threads=args.threads)
        model.predict(np.zeros((1, 48, 48, 1), np.float32))
        load_s = time.perf_counter() - load_started
        model_bytes = serving_path.stat().st_size
        keras_model = KerasEmotionModel(keras_path, tta=tta, threads=args.threads)
        rng = np.random.default_rng(0)
        one = rng.uniform(0, 255, (1, 48, 48, 1)).astype(np.float32)
        batch = rng.uniform(0, 255, (32, 48, 48, 1)).astype(np.float32)
        # The direct Keras call on the exact input the served model sees (with TTA, the face's ten views).
        direct_input = tta_views(one) if tta else one
        analyzer = FaceAnalyzer(model=model)
        jpeg = synthetic_face_jpeg(width=320, height=240, seed=7)
        faces_found = len(analyzer.analyze(jpeg))
        repeats = args.repeats
        per_face = _median_ms(lambda: model.predict(one), repeats)
        per_face_batched = _median_ms(lambda: model.predict(batch), max(repeats // 8, 10)) / len(batch)
        per_frame = _median_ms(lambda: analyzer.analyze(jpeg), repeats)
        haar = FaceAnalyzer(model=model, detector="haar")
        per_frame_haar = _median_ms(lambda: haar.analyze(jpeg), repeats)
        keras_call = _median_ms(lambda: keras_model.model(direct_input, training=False), max(repeats // 4, 20))
        params = int(keras_model.model.count_params())
    result: dict[str, Any] = {
        "per_face_ms": round(per_face, 3),
        "per_face_batched_ms": round(per_face_batched, 3),
        "per_frame_ms": round(per_frame, 3),
        "frames_per_s_one_core": round(1000.0 / per_frame, 1),
        "per_frame_haar_ms": round(per_frame_haar, 3),
        "keras_call_per_face_ms": round(keras_call, 3),
        "speedup_vs_keras_call": round(keras_call / per_face, 1),
        "tta": tta,
        "threads": args.threads,
        "model": model_note,
        "parameters": params,
        "model_bytes": model_bytes,
        "model_load_s": round(load_s, 3),
        "runtime": "LiteRT" if str(serving_path).endswith(".tflite") else "tf.function",
        "frame": {"width": 320, "height": 240, "jpeg_bytes": len(jpeg), "faces_found": faces_found},
        "repeats": repeats,
        "machine": machine_description(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    return 0


def _median_ms(call: Callable[[], Any], repeats: int) -> float:
    for _ in range(min(20, repeats)):
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000.0


def _random_init_models(folder: Path) -> tuple[Path, Path]:
    from inference.training.architecture import build_classifier
    from inference.training.keras_model import export_serving_model

    keras_path = folder / "emotion.keras"
    build_classifier().save(keras_path)
    return export_serving_model(keras_path, folder / "emotion.tflite"), keras_path
