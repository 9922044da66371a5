"""`python -m inference evaluate`: score a model on a labelled FER-2013-layout set (folder, zip or csv)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "fer2013" / "fer2013-publictest.zip"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Kaggle-layout folder or zip, or fer2013.csv")
    parser.add_argument("--usage", default="PublicTest", help="csv rows to score: Training, PublicTest or PrivateTest")
    models = parser.add_mutually_exclusive_group()
    models.add_argument("--model", type=Path, default=None, help="model file (default: the shipped model)")
    models.add_argument(
        "--ensemble",
        type=lambda text: [Path(p) for p in text.split(",") if p],
        default=None,
        help="comma-separated model files scored as one: the mean of their probabilities",
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
    parser.add_argument("--plot", type=Path, default=None, help="write the confusion matrix as a PNG here")
    parser.add_argument(
        "--no-tta", action="store_true", help="classify each face once (the live worker's default; EMOTION_TTA)"
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--min-recall",
        type=float,
        default=None,
        help="also fit per-class offsets that keep every class's recall at least this on this set (validation "
        "data only), and report what they give; bake them in with `export --class-offsets`",
    )


def run(args: argparse.Namespace) -> int:
    from inference.serving.types import EMOTIONS, InferenceError
    from inference.training.data import dataset_load, default_cache_dir
    from inference.training.evaluation import (
        class_offsets_fit,
        confusion_plot,
        ensemble_load,
        offset,
        predictor_load,
        probabilities_predict,
        probabilities_report,
    )

    try:
        images, labels = dataset_load(args.data, usage=args.usage, cache_dir=default_cache_dir())
        if args.ensemble:
            predictor = ensemble_load(args.ensemble, tta=not args.no_tta)
        else:
            predictor = predictor_load(args.model, tta=not args.no_tta)
        probabilities = probabilities_predict(predictor, images, batch_size=args.batch_size)
    except InferenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = probabilities_report(labels, probabilities)
    if args.min_recall is not None:
        offsets = class_offsets_fit(labels, probabilities, min_recall=args.min_recall)
        report["class_offsets"] = {
            "min_recall": args.min_recall,
            "offsets": offsets.tolist(),
            **probabilities_report(labels, offset(probabilities, offsets)),
            "cross_fitted": _cross_fitted(labels, probabilities, min_recall=args.min_recall),
        }
        if args.model is not None and args.model.suffix == ".keras":
            report["class_offsets"]["export_command"] = _export_command(args.model, report["class_offsets"])
    if args.plot:
        confusion_plot(report, args.plot)
    report["models"] = [str(p) for p in args.ensemble] if args.ensemble else [str(args.model or "shipped")]
    report["tta"] = not args.no_tta
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.data}: n={report['n']} accuracy {report['accuracy']:.4f} macro-F1 {report['macro_f1']:.4f}")
    print(
        f"calibration: NLL {report['nll']:.4f}, ECE {report['ece']:.4f}; with temperature {report['temperature']} "
        f"fitted on this set: NLL {report['nll_tempered']:.4f}, ECE {report['ece_tempered']:.4f}"
    )
    print(f"{'':10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for name in EMOTIONS:
        row = report["per_class"][name]
        print(f"{name:10}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{row['support']:>10}")
    if shifted_report := report.get("class_offsets"):
        offsets_text = ",".join(f"{v:g}" for v in shifted_report["offsets"])
        recalls = " ".join(f"{name} {shifted_report['per_class'][name]['recall']:.3f}" for name in EMOTIONS)
        print(
            f"with class offsets {offsets_text} (fitted on this set for recall >= {args.min_recall}): accuracy "
            f"{shifted_report['accuracy']:.4f}, macro-F1 {shifted_report['macro_f1']:.4f}; recall {recalls}"
        )
        crossed = shifted_report["cross_fitted"]
        print(
            "  honest estimate (fitted on one half, scored on the other, both ways): "
            f"accuracy {crossed['accuracy']:.4f} (without offsets {report['accuracy']:.4f}), "
            f"lowest class recall {crossed['lowest_recall']:.3f}"
        )
        if command := shifted_report.get("export_command"):
            print(f"  bake them and the temperature fitted after them into the served model:\n    {command}")
    return 0


def _export_command(model: Path, fitted: dict[str, Any]) -> str:
    """The `export` call that serves what ``fitted`` scored: these offsets, then the temperature fitted on the
    offset probabilities."""
    offsets = ",".join(f"{v:g}" for v in fitted["offsets"])
    return (
        f"python -m inference export --model {model} --out {model.with_suffix('.tflite')} "
        f"--temperature {fitted['temperature']:g} --class-offsets={offsets}"
    )


def _cross_fitted(labels: Any, probabilities: Any, *, min_recall: float) -> dict[str, float]:
    """Offsets fitted on the even-numbered faces and scored on the odd ones, and the other way round: what the
    offsets are worth on faces they were not fitted on."""
    import numpy as np

    from inference.training.evaluation import class_offsets_fit, metrics_report, offset

    predictions = np.empty(len(labels), dtype=np.int64)
    halves = [np.arange(len(labels)) % 2 == parity for parity in (0, 1)]
    for fit, score in (halves, halves[::-1]):
        offsets = class_offsets_fit(labels[fit], probabilities[fit], min_recall=min_recall)
        predictions[score] = offset(probabilities[score], offsets).argmax(axis=1)
    report = metrics_report(labels, predictions)
    return {
        "accuracy": report["accuracy"],
        "lowest_recall": min(row["recall"] for row in report["per_class"].values() if row["support"]),
    }
