"""`python -m inference analyze IMAGE [IMAGE ...] --json`: the faces in each image and their emotions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", type=Path, help="JPEG or PNG files")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--model", type=Path, default=None, help=".tflite or .keras model (default: the shipped one)")
    parser.add_argument("--no-emotion", action="store_true", help="find faces only; no emotion inference")


def run(args: argparse.Namespace) -> int:
    from inference.serving.analyzer import FaceAnalyzer
    from inference.serving.types import InferenceError
    from inference.training.keras_model import load_emotion_model

    try:
        model = None if args.no_emotion else load_emotion_model(args.model)
    except InferenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    analyzer = FaceAnalyzer(model=model)
    results: list[dict[str, Any]] = []
    failed = False
    for path in args.images:
        try:
            faces = analyzer.analyze(path.read_bytes())
        except (OSError, InferenceError) as exc:
            results.append({"path": str(path), "error": str(exc), "faces": []})
            failed = True
            continue
        results.append({"path": str(path), "faces": [_face_json(face) for face in faces]})
    if args.json:
        print(json.dumps({"results": results}))
    else:
        for result in results:
            _print_result(result)
    return 1 if failed else 0


def _face_json(face: Any) -> dict[str, Any]:
    return {
        "box": list(face.box),
        "detection_score": None if face.detection_score is None else round(face.detection_score, 4),
        "emotion": face.emotion,
        "probabilities": None
        if face.probabilities is None
        else {k: round(v, 5) for k, v in face.probabilities.items()},
        "quality": {
            "face_px": face.quality.face_px,
            "brightness": round(face.quality.brightness, 1),
            "blur": round(face.quality.blur, 1),
        },
    }


def _print_result(result: dict[str, Any]) -> None:
    if "error" in result:
        print(f"{result['path']}: error: {result['error']}")
        return
    if not result["faces"]:
        print(f"{result['path']}: no face found")
    for i, face in enumerate(result["faces"]):
        top = ""
        if face["probabilities"]:
            top = ", ".join(f"{k} {v:.0%}" for k, v in sorted(face["probabilities"].items(), key=lambda kv: -kv[1])[:3])
        print(f"{result['path']} face {i + 1} at {face['box']}: {face['emotion'] or 'emotion off'}  {top}")
