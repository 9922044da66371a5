"""Train the emotion classifier: in-memory data, in-graph augmentation, per-epoch checkpoints, resumable.

Files written to the output folder:
    best.keras     the classifier alone (no augmenter, no optimizer) from the epoch with the best val accuracy
    last.keras     the training model (augmenter + classifier) with its optimizer state, for --resume
    log.json       the configuration and one record per epoch
    curves.png     loss and accuracy per epoch
Imports keras at import time (the web app never imports this module). Backend-agnostic Keras 3:
the training graph uses keras layers and keras.ops only, so it runs under TF or JAX.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from inference.serving.types import EMOTIONS, InferenceError
from inference.training.data import class_counts
from inference.training.evaluation import confusion_matrix, macro_f1
from inference.training.machine import precision_candidates
from inference.training.speed import POLICIES, SpeedProbe, precision_fastest, timings_line

LOG_NAME = "log.json"
BEST_NAME = "best.keras"
LAST_NAME = "last.keras"
CURVES_NAME = "curves.png"


@dataclass
class TrainConfig:
    epochs: int = 60
    batch_size: int = 128
    lr: float = 2e-3  # peak learning rate, reached after the warm-up
    weight_decay: float = 0.05  # AdamW's decoupled decay (multiplied by the learning rate)
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    class_weight_power: float = 0.5  # 0: no reweighting, 1: full inverse frequency
    widths: tuple[int, ...] = (32, 64, 128, 256)
    dropout: float = 0.4
    seed: int = 1
    precision: str = "float32"  # float32, bfloat16 or float16 (resolved from --precision auto before training)
    ema: float = 0.0  # momentum of an exponential moving average of the weights, scored beside them; 0 = off
    init: str = ""  # a trained classifier (.keras) whose weights this run starts from instead of random ones
    teachers: list[str] = field(default_factory=list)  # trained classifiers to distil from (their mean)
    distill_alpha: float = 0.5  # weight of the teachers' term; the labels' term weighs 1 - alpha
    distill_temperature: float = 4.0
    data: str = ""
    val: str = ""
    # Set when a resumed run changed --epochs: [step, learning rate] the cosine restarts from, down to 0 at the end.
    replanned_from: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def class_weights(labels: np.ndarray, *, power: float) -> dict[int, float]:
    """Per-class loss weights (n_total / (7 * n_class)) ** power, rescaled so the average example weighs 1.

    Returns {class index: weight}; classes absent from ``labels`` get weight 0.
    """
    counts = class_counts(labels).astype(np.float64)
    present = counts > 0
    raw = np.zeros_like(counts)
    raw[present] = (counts.sum() / (present.sum() * counts[present])) ** power
    raw /= (raw * counts).sum() / counts.sum()
    return {i: float(w) for i, w in enumerate(raw)}


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 48, 48) -> float32 (N, 48, 48, 1) gray levels 0-255, the classifier's input."""
    return images.astype(np.float32)[..., None]


def train(
    *,
    out: Path,
    train_data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    config: TrainConfig,
    resume: bool = False,
    resume_epochs: int | None = None,
    stop_after: int | None = None,
    verbose: int = 1,
) -> dict[str, Any]:
    """Train (or continue training) into ``out``; ``stop_after`` ends this run early after that epoch number.

    With ``resume``, the configuration comes from the saved log; ``resume_epochs`` changes the planned length
    (the rest of the cosine schedule is laid out again from the current learning rate down to zero).

    Returns the log: {"config": ..., "epochs": [one dict per epoch], "best": the best epoch's dict}.
    """
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / LOG_NAME
    history: list[dict[str, Any]] = []
    if resume:
        if not (out / LAST_NAME).is_file() or not log_path.is_file():
            raise InferenceError(f"nothing to resume in {out}: need {LAST_NAME} and {LOG_NAME}")
        saved = json.loads(log_path.read_text())
        history = saved["epochs"]
        config = _config_for_resume(
            saved["config"], history=history, epochs=resume_epochs, data_size=len(train_data[1])
        )
    x_train, y_train = train_data
    x_val, y_val = val_data
    steps_per_epoch = math.ceil(len(x_train) / config.batch_size)
    config.precision = _precision_choose(config, train_data, steps_per_epoch=steps_per_epoch)
    keras.utils.set_random_seed(config.seed + len(history))
    # Scored and saved in float32 whatever the training precision: the shipped model is what gets measured.
    scorer = _classifier(config)
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(POLICIES[config.precision])
    try:
        model, classifier = _build(config, steps_per_epoch=steps_per_epoch)
        if resume:
            _restore(model, out / LAST_NAME)
        elif config.init:
            _initialize(classifier, Path(config.init))
        weights = class_weights(y_train, power=config.class_weight_power)
        recorder = _EpochRecorder(
            out=out, model=model, classifier=classifier, scorer=scorer, val=(x_val, y_val), config=config,
            history=history,
        )  # fmt: skip
        if len(history) < config.epochs:
            model.fit(
                as_model_input(x_train),
                keras.utils.to_categorical(y_train, len(EMOTIONS)),
                batch_size=config.batch_size,
                epochs=min(config.epochs, stop_after or config.epochs),
                initial_epoch=len(history),
                class_weight=weights,
                shuffle=True,
                callbacks=[SpeedProbe(precision=config.precision), recorder],
                verbose=verbose,
            )
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return recorder.log()


def _precision_choose(config: TrainConfig, train_data: tuple[np.ndarray, np.ndarray], *, steps_per_epoch: int) -> str:
    """The precision this run computes in: the one asked for, or under "auto" the fastest here, timed on a batch."""
    candidates = precision_candidates(config.precision)
    if len(candidates) == 1:
        return candidates[0]
    x, y = train_data
    size = min(config.batch_size, len(y))
    batch = (as_model_input(x[:size]), keras.utils.to_categorical(y[:size], len(EMOTIONS)))
    chosen, timings = precision_fastest(candidates, lambda: _build(config, steps_per_epoch=steps_per_epoch)[0], batch)
    print(timings_line(chosen, timings), flush=True)
    return chosen


def _classifier(config: TrainConfig) -> Any:
    from inference.training.architecture import build_classifier

    return build_classifier(tuple(config.widths), dropout=config.dropout)


def _build(config: TrainConfig, *, steps_per_epoch: int) -> tuple[Any, Any]:
    from inference.training.architecture import build_augmenter

    classifier = _classifier(config)
    inputs = keras.Input(classifier.input_shape[1:], name="face")
    augmented = build_augmenter(seed=config.seed)(inputs)
    outputs = classifier(augmented)
    loss: Any = keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
    metrics: list[Any] = ["accuracy"]
    if config.teachers:
        from inference.training.distillation import (
            DistillationLoss,
            distillation_outputs,
            student_accuracy,
            teachers_load,
        )

        teachers = teachers_load(config.teachers, policy=POLICIES[config.precision])
        outputs = distillation_outputs(outputs, augmented, teachers)
        loss = DistillationLoss(
            alpha=config.distill_alpha,
            temperature=config.distill_temperature,
            label_smoothing=config.label_smoothing,
        )
        metrics = [student_accuracy]
    model = keras.Model(inputs, outputs, name="trainer")
    total = config.epochs * steps_per_epoch
    warmup = min(config.warmup_epochs * steps_per_epoch, total - 1)
    schedule: Any = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.lr / 25,
        decay_steps=max(total - warmup, 1),
        alpha=0.0,
        warmup_target=config.lr,
        warmup_steps=warmup,
    )
    if config.replanned_from is not None:
        start_step, start_lr = config.replanned_from
        schedule = CosineFrom(start_step=int(start_step), start_lr=start_lr, end_step=total)
    optimizer = keras.optimizers.AdamW(
        learning_rate=schedule,
        weight_decay=config.weight_decay,
        use_ema=config.ema > 0,
        ema_momentum=config.ema or 0.99,
    )
    # No decay on BatchNorm scales/offsets or the output bias: shrinking them only fights normalization.
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    optimizer.build(model.trainable_variables)
    return model, classifier


def _restore(model: Any, path: Path) -> None:
    """Copy weights and optimizer state (moments, step counter) from a saved training model."""
    import inference.training.distillation  # noqa: F401  (registers the distillation loss a trainer may be compiled with)

    saved = keras.saving.load_model(path, compile=True)
    model.set_weights(saved.get_weights())
    if len(saved.optimizer.variables) != len(model.optimizer.variables):
        raise InferenceError(f"{path}: optimizer state does not match this configuration")
    for target, source in zip(model.optimizer.variables, saved.optimizer.variables, strict=True):
        target.assign(source)


def _initialize(classifier: Any, path: Path) -> None:
    """Start from a trained classifier's weights (fine-tuning): same widths, fresh optimizer and schedule."""
    from inference.training.keras_model import keras_classifier_load

    source = keras_classifier_load(path)
    shapes = [tuple(w.shape) for w in classifier.get_weights()]
    if [tuple(w.shape) for w in source.get_weights()] != shapes:
        raise InferenceError(f"{path}: its layers differ from this run's --widths; cannot start from it")
    classifier.set_weights(source.get_weights())


def _config_for_resume(
    saved: dict[str, Any], *, history: list[dict[str, Any]], epochs: int | None, data_size: int
) -> TrainConfig:
    saved = dict(saved)
    saved["widths"] = tuple(saved["widths"])
    if "mixed_precision" in saved:  # logs written before --precision
        saved["precision"] = "float16" if saved.pop("mixed_precision") else "float32"
    config = TrainConfig(**saved)
    if epochs is None or epochs == config.epochs:
        return config
    if epochs <= len(history):
        raise InferenceError(f"--epochs {epochs}: the run already has {len(history)} epochs")
    if len(history) < config.warmup_epochs:
        raise InferenceError("--epochs can change on --resume only after the warm-up")
    # Re-plan: decay from the current rate to zero over the new remaining epochs (no jump in the rate).
    steps = len(history) * math.ceil(data_size / config.batch_size)
    config.replanned_from = [steps, float(history[-1]["lr"])]
    config.epochs = epochs
    return config


@keras.saving.register_keras_serializable(package="classroom_pulse")
class CosineFrom(keras.optimizers.schedules.LearningRateSchedule):
    """Half a cosine from ``start_lr`` at ``start_step`` down to 0 at ``end_step`` (a re-planned schedule's tail)."""

    def __init__(self, start_step: int, start_lr: float, end_step: int) -> None:
        self.start_step = start_step
        self.start_lr = start_lr
        self.end_step = end_step

    def __call__(self, step: Any) -> Any:
        span = max(self.end_step - self.start_step, 1)
        done = keras.ops.clip((keras.ops.cast(step, "float32") - self.start_step) / span, 0.0, 1.0)
        return self.start_lr * 0.5 * (1.0 + keras.ops.cos(math.pi * done))

    def get_config(self) -> dict[str, Any]:
        return {"start_step": self.start_step, "start_lr": self.start_lr, "end_step": self.end_step}


def _plot(history: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["loss"] for h in history], label="train (augmented, smoothed)")
    ax_loss.plot(epochs, [h["val_loss"] for h in history], label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.plot(epochs, [h["accuracy"] for h in history], label="train (augmented)")
    ax_acc.plot(epochs, [h["val_accuracy"] for h in history], label="validation accuracy")
    if any("val_accuracy_ema" in h for h in history):
        for name in ("raw", "ema"):
            values = [h.get(f"val_accuracy_{name}", math.nan) for h in history]
            ax_acc.plot(epochs, values, label=f"validation accuracy ({name} weights)", linestyle=":")
    ax_acc.plot(epochs, [h["val_macro_f1"] for h in history], label="validation macro-F1", linestyle="--")
    ax_acc.set(xlabel="epoch", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


class _EpochRecorder(keras.callbacks.Callback):
    """After each epoch: score the validation set in float32 (and the weights' moving average, when kept), log,
    plot, save last.keras and, if this epoch's better weights beat every earlier epoch, best.keras."""

    def __init__(
        self,
        *,
        out: Path,
        model: Any,
        classifier: Any,
        scorer: Any,
        val: tuple[np.ndarray, np.ndarray],
        config: TrainConfig,
        history: list[dict[str, Any]],
    ) -> None:
        super().__init__()
        self.out = out
        self.trainer = model
        self.classifier = classifier
        self.scorer = scorer
        self.x_val = as_model_input(val[0])
        self.y_val = val[1]
        self.config = config
        self.history = history
        self.started = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.started = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        train_seconds = time.monotonic() - self.started
        candidates = {"raw": [np.asarray(w) for w in self.classifier.weights]}
        if self.config.ema > 0:
            candidates["ema"] = _moving_average_weights(self.trainer.optimizer, self.classifier)
        scores = {name: self._score(weights) for name, weights in candidates.items()}
        chosen = max(scores, key=lambda name: scores[name]["val_accuracy"])
        record: dict[str, Any] = {
            "epoch": epoch + 1,
            "loss": float(logs.get("loss", math.nan)),
            "accuracy": float(logs.get("accuracy", logs.get("student_accuracy", math.nan))),
            **scores[chosen],
            "weights": chosen,
            "lr": float(np.asarray(self.trainer.optimizer.learning_rate)),
            "seconds": round(train_seconds, 1),
        }
        if len(scores) > 1:
            record.update({f"val_accuracy_{name}": score["val_accuracy"] for name, score in scores.items()})
        best_before = max((h["val_accuracy"] for h in self.history), default=-1.0)
        self.history.append(record)
        if record["val_accuracy"] > best_before:
            self.scorer.set_weights(candidates[chosen])
            self.scorer.save(self.out / BEST_NAME)
        self.trainer.save(self.out / LAST_NAME)
        self._write()
        extra = "".join(f" {name} {score['val_accuracy']:.4f}" for name, score in scores.items() if len(scores) > 1)
        print(
            f"epoch {record['epoch']}/{self.config.epochs}: val_accuracy {record['val_accuracy']:.4f}{extra} "
            f"val_macro_f1 {record['val_macro_f1']:.4f} ({train_seconds:.0f}s)",
            flush=True,
        )

    def _score(self, weights: list[np.ndarray]) -> dict[str, float]:
        self.scorer.set_weights(weights)
        probs = np.asarray(self.scorer.predict(self.x_val, batch_size=512, verbose=0), dtype=np.float64)
        predictions = probs.argmax(axis=1)
        picked = np.clip(probs[np.arange(len(self.y_val)), self.y_val], 1e-7, 1.0)
        return {
            "val_loss": float(-np.log(picked).mean()),
            "val_accuracy": float((predictions == self.y_val).mean()),
            "val_macro_f1": macro_f1(confusion_matrix(self.y_val, predictions)),
        }

    def log(self) -> dict[str, Any]:
        best = max(self.history, key=lambda h: h["val_accuracy"], default=None)
        return {"config": _jsonable(asdict(self.config)), "epochs": self.history, "best": best}

    def _write(self) -> None:
        tmp = self.out / (LOG_NAME + ".tmp")
        tmp.write_text(json.dumps(self.log(), indent=1))
        tmp.replace(self.out / LOG_NAME)
        _plot(self.history, self.out / CURVES_NAME)


def _moving_average_weights(optimizer: Any, classifier: Any) -> list[np.ndarray]:
    """The classifier's weights with each trainable one replaced by the optimizer's moving average of it
    (BatchNorm's running statistics stay as they are)."""
    averages = {
        id(variable): average
        for variable, average in zip(
            optimizer._trainable_variables, optimizer._model_variables_moving_average, strict=True
        )
    }
    return [np.asarray(averages.get(id(w), w)) for w in classifier.weights]


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
