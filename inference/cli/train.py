"""`python -m inference train`: train the emotion model on FER-2013 (folder, zip or csv)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inference.training.machine import PRECISIONS

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "fer2013"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA / "fer2013-train.zip",
        help="training set: Kaggle-layout folder or zip, or fer2013.csv",
    )
    parser.add_argument(
        "--val",
        type=Path,
        default=None,
        help="validation set (default: the PublicTest zip beside --data, or the csv's PublicTest rows)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for best.keras, last.keras, log.json, curves.png"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="planned epochs (default 60; with --resume: the saved plan, or a new length)",
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3, help="peak AdamW learning rate (cosine schedule)")
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument(
        "--class-weight-power",
        type=float,
        default=0.5,
        help="class weights = inverse frequency ** this (0 = off, 1 = fully balanced)",
    )
    parser.add_argument("--widths", default="32,64,128,256", help="filters per conv block, comma-separated")
    parser.add_argument("--dropout", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="compute precision (auto: where the CPU has AMX or AVX512-BF16, the faster of bfloat16 and float32, "
        "timed on a few steps, else float32; float16: GPU)",
    )
    parser.add_argument(
        "--ema",
        type=float,
        default=0.0,
        help="also score a moving average of the weights with this momentum each epoch (e.g. 0.998; 0 = off)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from this trained model's weights (.keras, same --widths) instead of random ones: fine-tuning",
    )
    parser.add_argument(
        "--teacher",
        default="",
        help="comma-separated trained models (.keras) to distil from: the student learns their mean answer too",
    )
    parser.add_argument("--distill-alpha", type=float, default=0.5, help="weight of the teachers' term (0-1)")
    parser.add_argument("--distill-temperature", type=float, default=4.0, help="softening temperature")
    parser.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="end this run after that epoch (the schedule still spans --epochs; --resume continues)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.keras and OUT/log.json")
    parser.add_argument("--no-cache", action="store_true", help="don't cache decoded images as .npz")


def run(args: argparse.Namespace) -> int:
    from inference.serving.types import InferenceError
    from inference.training.data import class_counts, dataset_load, default_cache_dir

    try:
        widths = tuple(int(w) for w in args.widths.split(","))
    except ValueError:
        print(f"--widths: expected comma-separated integers, got {args.widths!r}", file=sys.stderr)
        return 2
    cache = None if args.no_cache else default_cache_dir()
    val_path = args.val or _default_val(args.data)
    try:
        train_data = dataset_load(args.data, usage="Training", cache_dir=cache)
        val_data = dataset_load(val_path, usage="PublicTest", cache_dir=cache)
    except InferenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"train: {len(train_data[1])} images {class_counts(train_data[1]).tolist()} from {args.data}")
    print(f"val:   {len(val_data[1])} images {class_counts(val_data[1]).tolist()} from {val_path}", flush=True)

    from inference.training.trainer import TrainConfig, train

    config = TrainConfig(
        epochs=args.epochs or 60, batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing, class_weight_power=args.class_weight_power, widths=widths,
        dropout=args.dropout, seed=args.seed, precision=args.precision, ema=args.ema,
        init=str(args.init or ""), teachers=[t for t in args.teacher.split(",") if t], distill_alpha=args.distill_alpha,
        distill_temperature=args.distill_temperature,
        data=str(args.data), val=str(val_path),
    )  # fmt: skip
    verbose = 1 if sys.stdout.isatty() else 2  # a progress bar on a terminal, one line per epoch in a log file
    try:
        log = train(out=args.out, train_data=train_data, val_data=val_data, config=config, resume=args.resume,
                    resume_epochs=args.epochs, stop_after=args.stop_after, verbose=verbose)  # fmt: skip
    except InferenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    best = log["best"]
    if best:
        print(f"best: epoch {best['epoch']} val_accuracy {best['val_accuracy']:.4f} -> {args.out / 'best.keras'}")
    return 0


def _default_val(data: Path) -> Path:
    if data.suffix.lower() == ".csv":
        return data
    sibling = data.with_name(data.name.replace("train", "publictest"))
    return sibling if sibling != data and sibling.exists() else data.parent / "fer2013-publictest.zip"
