"""`python -m inference bench [--json]`: per-face and per-frame speed of the serving pipeline on this machine.

Every figure is the median of `--repeats` timed calls after warm-up, on `--threads` intra-op threads
(default 1, i.e. one core; pin the process with `taskset -c 0` as well to keep the OS from moving it).
The same model is also called directly through Keras in the same run, so the speedup is measured,
not quoted. Images are generated (inference.training.synthetic): nothing is downloaded.
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
    parser.add_argument("--no-tta", action="store_true", help="classify each face once, without its mirror image")
    parser.add_argument(
        "--detection", action="store_true", help="instead: face-detector recall per condition, for several settings"
    )
    parser.add_argument(
        "--fer", type=Path, default=None, help="with --detection: FER-2013 set to paste real faces from"
    )
    parser.add_argument("--fer-count", type=int, default=300, help="with --fer: how many faces (spread over classes)")


def run(args: argparse.Namespace) -> int:
    if args.threads == 1:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.detection:
        return _detection(args)
    from inference.serving.analyzer import FaceAnalyzer
    from inference.serving.model import SHIPPED_KERAS, shipped_model_path
    from inference.training.keras_model import KerasEmotionModel, load_emotion_model
    from inference.training.synthetic import drifting_face_samples, encode_jpeg, synthetic_face_jpeg

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
        # The direct Keras call on the exact input the served model sees (the face and, with TTA, its mirror).
        direct_input = np.concatenate([one, one[:, :, ::-1]]) if tta else one
        analyzer = FaceAnalyzer(model=model)
        jpeg = synthetic_face_jpeg(width=320, height=240, seed=7)
        faces_found = len(analyzer.analyze(jpeg))
        repeats = args.repeats
        per_face = _median_ms(lambda: model.predict(one), repeats)
        per_face_batched = _median_ms(lambda: model.predict(batch), max(repeats // 8, 10)) / len(batch)
        per_frame = _median_ms(lambda: analyzer.analyze(jpeg), repeats)
        per_frame_followed = _followed_ms(analyzer, [encode_jpeg(f) for f, _ in drifting_face_samples(40, seed=7)])
        keras_call = _median_ms(lambda: keras_model.model(direct_input, training=False), max(repeats // 4, 20))
        params = int(keras_model.model.count_params())
    result: dict[str, Any] = {
        "per_face_ms": round(per_face, 3),
        "per_face_batched_ms": round(per_face_batched, 3),
        "per_frame_ms": round(per_frame, 3),
        "frames_per_s_one_core": round(1000.0 / per_frame, 1),
        "per_frame_followed_ms": round(per_frame_followed, 3),
        "followed_frames_per_s_one_core": round(1000.0 / per_frame_followed, 1),
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


def _followed_ms(analyzer: Any, jpegs: list[bytes]) -> float:
    """Per-frame time of one participant's drifting snapshots, their face followed (whole-frame search included)."""
    analyzer.analyze_many([jpegs[0]], ["warm-up"])
    start = time.perf_counter()
    for rounds in range(5):
        for jpeg in jpegs:
            analyzer.analyze_many([jpeg], [rounds])
    return (time.perf_counter() - start) / (5 * len(jpegs)) * 1000.0


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


DETECTOR_VARIANTS: dict[str, dict[str, Any]] = {
    "default (alt2 at 160 px; equalize, profile, +-20 deg fallbacks)": {},
    "no rotated retries": {"rotations": ()},
    "no profile fallback": {"use_profile": False},
    "no equalize fallback": {"contrast": "none"},
    "full 320 px frame": {"detect_width": None},
    "scale step 1.2": {"scale_factor": 1.2},
}


def _detection(args: argparse.Namespace) -> int:
    import cv2

    from inference.serving.detect import DetectorSettings
    from inference.training.detect_eval import detection_report, following_report

    cv2.setNumThreads(args.threads)
    fer_faces = None
    if args.fer:
        from inference.training.data import dataset_load, default_cache_dir

        images, _labels = dataset_load(args.fer, usage="PublicTest", cache_dir=default_cache_dir())
        order = np.random.default_rng(0).permutation(len(images))[: args.fer_count]
        fer_faces = images[order]
    results: dict[str, list[dict[str, Any]]] = {}
    for name, overrides in DETECTOR_VARIANTS.items():
        scores = detection_report(DetectorSettings(**overrides), fer_faces=fer_faces)
        results[name] = [
            {"condition": s.condition, "frames": s.frames, "recall": round(s.recall, 3),
             "false_alarms": s.false_alarms, "ms_per_frame": round(s.ms_per_frame, 2)}
            for s in scores
        ]  # fmt: skip
    following = [
        {"condition": f.condition, "frames": f.frames, "near_recall": round(f.near_recall, 3),
         "recall": round(f.recall, 3), "near_ms": round(f.near_ms, 2), "followed_ms": round(f.followed_ms, 2),
         "full_ms": round(f.full_ms, 2)}
        for f in following_report()
    ]  # fmt: skip
    if args.json:
        print(json.dumps({"detection": results, "following": following}))
        return 0
    conditions = [row["condition"] for row in next(iter(results.values()))]
    print("| condition | " + " | ".join(results) + " |")
    print("|---" * (len(results) + 1) + "|")
    for i, condition in enumerate(conditions):
        cells = []
        for rows in results.values():
            row = rows[i]
            value = (
                f"{row['false_alarms']}/{row['frames']} FA"
                if row["condition"].startswith("no face")
                else (f"{row['recall']:.0%}" + (f" ({row['false_alarms']} FA)" if row["false_alarms"] else ""))
            )
            cells.append(f"{value}, {row['ms_per_frame']:.1f} ms")
        print(f"| {condition} | " + " | ".join(cells) + " |")
    print("\nFollowing a drifting face (default settings; ms per frame):\n")
    print("| condition | frames | found near | found (near, else whole) | near ms | followed ms | whole ms |")
    print("|---|---|---|---|---|---|---|")
    for f in following:
        print(
            f"| {f['condition']} | {f['frames']} | {f['near_recall']:.1%} | {f['recall']:.1%} | {f['near_ms']:.2f}"
            f" | {f['followed_ms']:.2f} | {f['full_ms']:.2f} |"
        )
    return 0
