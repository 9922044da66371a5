"""`python -m inference bench --detection`: BlazeFace and the Haar fallback side by side, in one run.

Per detector: recall per condition on generated faces, false faces on empty rooms, recall on FER-2013
PublicTest faces pasted into rooms, and ms per 320x240 frame on one thread. Then the shipped emotion model's
accuracy on FER's own crops next to its accuracy end to end on those frames (a missed face counts as
wrong), upright and with heads tilted +-20 degrees. `--framing` adds the aligned crop's framing grid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_FER = Path(__file__).resolve().parents[3] / "shared" / "fer2013" / "fer2013-publictest.zip"
FRAMING_SCALES = (1.0, 1.1, 1.15, 1.2, 1.25, 1.3, 1.4)
FRAMING_OFFSETS = (-0.1, -0.05, 0.0, 0.05, 0.1)
TILT_DEG = 20.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fer", type=Path, default=DEFAULT_FER, help="with --detection: FER-2013 set to paste real faces from"
    )
    parser.add_argument("--fer-count", type=int, default=0, help="with --fer: how many faces (0: all PublicTest)")
    parser.add_argument("--framing", action="store_true", help="with --detection: also score the crop framing grid")
    parser.add_argument("--per-condition", type=int, default=60, help="with --detection: frames per condition")
    parser.add_argument("--empty", type=int, default=200, help="with --detection: empty rooms for false faces")


def run(args: argparse.Namespace) -> int:
    import cv2

    from inference.serving.detect import DETECTORS, detector_load
    from inference.training.detect_eval import detection_report, nose_heights, pose_report
    from inference.training.machine import machine_description

    cv2.setNumThreads(args.threads)
    detectors = {kind: detector_load(kind, threads=args.threads) for kind in DETECTORS}
    faces, labels = _fer(args)
    scores = {
        kind: detection_report(detector, per_condition=args.per_condition, empty=args.empty, fer_faces=faces)
        for kind, detector in detectors.items()
    }
    result: dict[str, Any] = {
        "machine": machine_description(),
        "threads": args.threads,
        "detection": {
            kind: [
                {"condition": s.condition, "frames": s.frames, "recall": round(s.recall, 4),
                 "false_alarms": s.false_alarms, "ms_per_frame": round(s.ms_per_frame, 2),
                 "ms_median": round(s.ms_median, 2)}
                for s in rows
            ]
            for kind, rows in scores.items()
        },
    }  # fmt: skip
    result["head_pose"] = [
        {"drawn": p.drawn, "frames": p.frames, "yaw": round(p.yaw, 1), "pitch": round(p.pitch, 1)}
        for p in pose_report(detectors["blazeface"])
    ]
    if faces is not None and labels is not None:
        from inference.training.detect_eval import fer_frames

        heights = nose_heights(detectors["blazeface"], fer_frames(faces))
        result["fer_nose_height_median"] = round(float(np.median(heights)), 3) if heights else None
        result["accuracy"] = _accuracy(args, detectors, faces, labels)
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)
    return 0


def _fer(args: argparse.Namespace) -> tuple[np.ndarray | None, np.ndarray | None]:
    if args.fer is None or not Path(args.fer).exists():
        print(f"(no FER-2013 set at {args.fer}: generated faces only)", file=sys.stderr)
        return None, None
    from inference.training.data import dataset_load, default_cache_dir

    images, labels = dataset_load(args.fer, usage="PublicTest", cache_dir=default_cache_dir())
    if args.fer_count:
        order = np.random.default_rng(0).permutation(len(images))[: args.fer_count]
        images, labels = images[order], labels[order]
    return images, labels


def _accuracy(args: argparse.Namespace, detectors: dict[str, Any], faces: np.ndarray, labels: np.ndarray) -> dict:
    from inference.serving.analyzer import crop_for
    from inference.serving.crop import ALIGNED_OFFSET, ALIGNED_SCALE
    from inference.serving.model import load_litert_model, shipped_model_path
    from inference.training import frame_eval as fe

    model = load_litert_model(args.model or shipped_model_path(), tta=not args.no_tta, threads=args.threads)
    out: dict[str, Any] = {"model": str(args.model or shipped_model_path()), "tta": not args.no_tta}
    out["crops"] = round(fe.crop_accuracy(model, faces, labels), 4)
    for name, tilt in (("upright", 0.0), (f"tilted +-{TILT_DEG:.0f} deg", TILT_DEG)):
        frames = fe.fer_frame_set(faces, labels, tilt_deg=tilt)
        found = {kind: fe.participant_faces(detector, frames.grays) for kind, detector in detectors.items()}
        rows = {
            "blazeface, as served (aligned crop)": fe.predictions(model, frames, found["blazeface"], crop_for),
            "blazeface, same framing not turned upright": fe.predictions(
                model, frames, found["blazeface"], fe.unaligned(ALIGNED_SCALE, ALIGNED_OFFSET)
            ),
            "haar, as served (box crop)": fe.predictions(model, frames, found["haar"], crop_for),
        }
        out[name] = {row: round(fe.accuracy(predicted, labels), 4) for row, predicted in rows.items()}
        if args.framing and not tilt:
            grid = fe.framing_grid(model, frames, found["blazeface"], scales=FRAMING_SCALES, offsets=FRAMING_OFFSETS)
            out["framing"] = [
                {"scale": g.scale, "offset": g.offset, "choosing_half": round(g.choosing_half, 4),
                 "other_half": round(g.other_half, 4)}
                for g in grid
            ]  # fmt: skip
    return out


def _print(result: dict[str, Any]) -> None:
    print(f"machine: {result['machine']}; {result['threads']} thread(s)")
    print("cells: share of frames whose face was found, mean ms per frame (median)\n")
    kinds = list(result["detection"])
    print("| condition | frames | " + " | ".join(kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for i, row in enumerate(result["detection"][kinds[0]]):
        cells = []
        for kind in kinds:
            r = result["detection"][kind][i]
            if r["condition"].startswith("no face"):
                value = f"{r['false_alarms']} false faces"
            else:
                value = f"{r['recall']:.1%}" + (f" ({r['false_alarms']} false)" if r["false_alarms"] else "")
            cells.append(f"{value}, {r['ms_per_frame']:.2f} ms ({r['ms_median']:.2f})")
        print(f"| {row['condition']} | {row['frames']} | " + " | ".join(cells) + " |")
    print("\nHead pose estimated by BlazeFace on drawn heads (mean degrees; yaw > 0: towards the picture's right):\n")
    print("| drawn | frames | yaw | pitch |")
    print("|---|---|---|---|")
    for p in result["head_pose"]:
        print(f"| {p['drawn']} | {p['frames']} | {p['yaw']:+.1f} | {p['pitch']:+.1f} |")
    if result.get("fer_nose_height_median") is not None:
        print(f"\nNose tip between eyes (0) and mouth (1), median on FER faces: {result['fer_nose_height_median']}")
    accuracy = result.get("accuracy")
    if not accuracy:
        return
    print(f"\nEmotion accuracy ({accuracy['model']}, TTA {'on' if accuracy['tta'] else 'off'}); "
          f"a missed face counts as wrong:\n")  # fmt: skip
    print(f"- on FER's own 48x48 crops: {accuracy['crops']:.2%}")
    for name, rows in accuracy.items():
        if isinstance(rows, dict):
            for row, value in rows.items():
                print(f"- frames {name}, {row}: {value:.2%}")
    if "framing" in accuracy:
        print("\nAligned crop framing (accuracy end to end; the even frames choose, the odd ones check):\n")
        print("| scale | offset | even half | odd half |")
        print("|---|---|---|---|")
        for g in accuracy["framing"]:
            print(f"| {g['scale']} | {g['offset']} | {g['choosing_half']:.2%} | {g['other_half']:.2%} |")
