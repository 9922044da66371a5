"""Score an emotion model on a labelled set, through the same loading, preprocessing and TTA as serving.

The metrics are plain numpy (no scikit-learn). The model runtime is imported only when a model is loaded,
so the web app may import this module cheaply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from inference.serving.types import EMOTIONS, InferenceError


class EmotionPredictor(Protocol):
    def predict(self, faces: np.ndarray) -> np.ndarray: ...


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = len(EMOTIONS)) -> np.ndarray:
    """Counts (K, K) int64: row = true class, column = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    return np.bincount(labels * classes + predictions, minlength=classes * classes).reshape(classes, classes)


def per_class_scores(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 (float64 (K,), 0 where undefined) and support (int64 (K,)) from a confusion matrix."""
    tp = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return precision, recall, f1, support.astype(np.int64)


def macro_f1(confusion: np.ndarray) -> float:
    """The unweighted mean of the per-class F1 over the classes present in the truth or the predictions."""
    _, _, f1, support = per_class_scores(confusion)
    seen = (support > 0) | (confusion.sum(axis=0) > 0)
    return float(f1[seen].mean()) if seen.any() else 0.0


def metrics_report(labels: np.ndarray, predictions: np.ndarray) -> dict[str, Any]:
    """The evaluation JSON: {"n", "accuracy", "macro_f1", "per_class": {emotion: {precision, recall, f1, support}},
    "confusion": K x K list (rows: truth, columns: prediction, in EMOTIONS order)}."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise InferenceError(f"labels {labels.shape} and predictions {predictions.shape} must be matching 1-D arrays")
    confusion = confusion_matrix(labels, predictions)
    precision, recall, f1, support = per_class_scores(confusion)
    return {
        "n": len(labels),
        "accuracy": round(float((labels == predictions).mean()) if len(labels) else 0.0, 4),
        "macro_f1": round(macro_f1(confusion), 4),
        "per_class": {
            name: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, name in enumerate(EMOTIONS)
        },
        "confusion": confusion.tolist(),
    }


def probabilities_predict(predictor: EmotionPredictor, images: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """float64 (N, 7) probabilities of uint8 (N, 48, 48) faces, predicted in batches."""
    if len(images) == 0:
        raise InferenceError("nothing to evaluate: the set is empty")
    chunks = []
    for start in range(0, len(images), batch_size):
        faces = images[start : start + batch_size].astype(np.float32)[..., None]
        chunks.append(np.asarray(predictor.predict(faces), dtype=np.float64))
    probabilities = np.concatenate(chunks)
    if probabilities.shape != (len(images), len(EMOTIONS)):
        raise InferenceError(f"the model returned {probabilities.shape}, expected ({len(images)}, {len(EMOTIONS)})")
    return probabilities


def model_evaluate(
    predictor: EmotionPredictor, images: np.ndarray, labels: np.ndarray, *, batch_size: int = 256
) -> dict[str, Any]:
    """Predict uint8 (N, 48, 48) faces in batches and return ``probabilities_report`` of the answers."""
    return probabilities_report(labels, probabilities_predict(predictor, images, batch_size=batch_size))


def probabilities_report(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """``metrics_report`` of the arg-max plus ``calibration_report`` of the probabilities."""
    return {**metrics_report(labels, probabilities.argmax(axis=1)), **calibration_report(labels, probabilities)}


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, *, bins: int = 15) -> float:
    """How far the top probability is from the accuracy it claims: the support-weighted mean gap over
    ``bins`` equal-width confidence bins (Guo et al. 2017). 0 is perfectly calibrated."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(gap)


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities as the model would give them with its logits divided by ``temperature``: p^(1/T), renormalized."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean -log p(true class)."""
    picked = probabilities[np.arange(len(labels)), np.asarray(labels)]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def temperature_fit(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The temperature (0.25-8) that minimizes the negative log-likelihood of ``labels``: a golden-section search
    on log T, since the NLL is convex in 1/T. Temperature scaling never changes the arg-max."""
    low, high = np.log(0.25), np.log(8.0)
    ratio = (np.sqrt(5.0) - 1.0) / 2.0

    def loss(log_t: float) -> float:
        return negative_log_likelihood(labels, tempered(probabilities, float(np.exp(log_t))))

    a, b = high - ratio * (high - low), low + ratio * (high - low)
    for _ in range(60):
        if loss(a) < loss(b):
            high, b = b, a
            a = high - ratio * (high - low)
        else:
            low, a = a, b
            b = low + ratio * (high - low)
    return round(float(np.exp((low + high) / 2.0)), 3)


def calibration_report(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """{"nll", "ece"} of the probabilities, and {"temperature", "nll_tempered", "ece_tempered"}: what temperature
    scaling fitted on this very set would give (fit it on validation data, judge it on data it never saw)."""
    temperature = temperature_fit(labels, probabilities)
    scaled = tempered(probabilities, temperature)
    return {
        "nll": round(negative_log_likelihood(labels, probabilities), 4),
        "ece": round(expected_calibration_error(labels, probabilities), 4),
        "temperature": temperature,
        "nll_tempered": round(negative_log_likelihood(labels, scaled), 4),
        "ece_tempered": round(expected_calibration_error(labels, scaled), 4),
    }


def class_offsets_fit(
    labels: np.ndarray, probabilities: np.ndarray, *, min_recall: float, span: float = 1.5, step: float = 0.05
) -> np.ndarray:
    """Per-class offsets (float64 (K,)) added to the log-probabilities that keep every class's recall at least
    ``min_recall`` at the smallest cost in accuracy: coordinate search over [-span, span], three passes,
    maximizing accuracy minus a steep penalty on each class's shortfall. Zeros where no offset helps.

    Fit them on validation data and judge them on data they never saw: like a temperature, they can be baked into
    the model's last layer (``export --class-offsets``)."""
    labels = np.asarray(labels, dtype=np.int64)
    logits = np.log(np.clip(probabilities, 1e-12, 1.0))
    classes = probabilities.shape[1]
    support = np.maximum(np.bincount(labels, minlength=classes), 1)

    def objective(offsets: np.ndarray) -> float:
        predictions = (logits + offsets).argmax(axis=1)
        hits = predictions == labels
        recall = np.bincount(labels[hits], minlength=classes) / support
        shortfall = np.clip(min_recall - recall[np.bincount(labels, minlength=classes) > 0], 0.0, None).sum()
        return float(hits.mean() - 10.0 * shortfall)

    offsets = np.zeros(classes)
    grid = np.arange(-span, span + step / 2, step)
    best = objective(offsets)
    for _ in range(3):
        for k in range(classes):
            for value in grid:
                trial = offsets.copy()
                trial[k] = value
                if (score := objective(trial)) > best + 1e-12:
                    best, offsets = score, trial
    return np.round(offsets - offsets.mean(), 3)


def offset(probabilities: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Probabilities as the model gives them with ``offsets`` added to its logits."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) + offsets
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


class EnsemblePredictor:
    """Several classifiers as one: the mean of their probabilities."""

    def __init__(self, members: list[EmotionPredictor]) -> None:
        if not members:
            raise InferenceError("an ensemble needs at least one model")
        self.members = members

    def predict(self, faces: np.ndarray) -> np.ndarray:
        return np.mean([np.asarray(m.predict(faces), dtype=np.float64) for m in self.members], axis=0)


def predictor_load(path: Path | None = None, *, tta: bool = True) -> EmotionPredictor:
    """The serving model for ``path`` (.tflite or .keras; None: the shipped model), on every core."""
    from inference.training.keras_model import load_emotion_model

    return load_emotion_model(path, tta=tta, threads=None)


def ensemble_load(paths: list[Path], *, tta: bool = True) -> EmotionPredictor:
    """The mean of the models at ``paths`` (each .tflite or .keras), each with the same test-time augmentation."""
    return EnsemblePredictor([predictor_load(path, tta=tta) for path in paths])


def confusion_plot(report: dict[str, Any], path: Path, *, title: str = "") -> None:
    """Write the row-normalized confusion matrix (counts annotated) of a ``metrics_report`` as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = np.array(report["confusion"], dtype=np.float64)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    ax.set(xlabel="predicted", ylabel="true")
    for i in range(len(EMOTIONS)):
        for j in range(len(EMOTIONS)):
            color = "white" if rates[i, j] > 0.5 else "black"
            ax.text(j, i, f"{rates[i, j]:.2f}\n{int(counts[i, j])}", ha="center", va="center", fontsize=7, color=color)
    ax.set_title(title or f"accuracy {report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f} (n={report['n']})")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
