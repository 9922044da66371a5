"""Serve or export a trained .keras classifier: the Keras runtime, which needs TensorFlow and the training layers.

A .keras file served directly runs through a `tf.function` with a fixed input signature, never
`model.predict` per face. `load_emotion_model` is the one loader for every format: .tflite goes to the
LiteRT runtime (`inference.serving.model`), .keras comes here.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from pathlib import Path
from typing import Any

import numpy as np

from inference.serving.model import (
    INPUT_SHAPE,
    EmotionModel,
    ViewAveraging,
    load_litert_model,
    shipped_model_path,
)
from inference.serving.types import EMOTIONS, InferenceError

TRAINING_REQUIREMENTS = "pip install --require-hashes -r requirements-training.txt"


def training_module(name: str) -> Any:
    """TensorFlow or Keras, which only training installs have (serving runs on LiteRT).

    Raises InferenceError naming what to install when the module is missing.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise InferenceError(
            f"{name} is not installed: serving installs run .tflite models only. Export this model to .tflite "
            f"(python -m inference export) where the training requirements are installed, or install them here "
            f"({TRAINING_REQUIREMENTS})"
        ) from exc


def load_emotion_model(path: Path | str | None = None, *, tta: bool = True, threads: int | None = 1) -> EmotionModel:
    """The classifier at `path` (.tflite or .keras; None: the shipped one), ready to serve.

    `threads` caps the runtime's intra-op threads (None: the runtime's default, usually every core).
    Raises InferenceError when the file is missing or is not a model.
    """
    path = Path(path) if path else shipped_model_path()
    if path.suffix == ".keras":
        if not path.is_file():
            raise InferenceError(f"no emotion model at {path}: train one (python -m inference train) or set its path")
        return KerasEmotionModel(path, tta=tta, threads=threads)
    if path.suffix != ".tflite" and path.is_file():
        raise InferenceError(f"{path}: expected a .tflite or .keras emotion model")
    return load_litert_model(path, tta=tta, threads=threads)


class KerasEmotionModel(ViewAveraging):
    """A .keras classifier served through a `tf.function` with a fixed (None, 48, 48, 1) signature."""

    def __init__(self, path: Path, *, tta: bool = True, threads: int | None = 1) -> None:
        tf = training_module("tensorflow")
        if threads:
            _limit_tensorflow_threads(threads)
        self.path = path
        self.tta = tta
        self.model = keras_classifier_load(path)
        signature = tf.TensorSpec((None, *INPUT_SHAPE), tf.float32)
        self._call = tf.function(lambda x: self.model(x, training=False), input_signature=[signature])

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._call(batch))


def _limit_tensorflow_threads(threads: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow was already initialized in this process; it keeps its thread pools


def keras_classifier_load(path: Path) -> Any:
    """The classifier inside a .keras file: the model itself, or the one a training model wraps."""
    keras = training_module("keras")
    import inference.training.architecture  # noqa: F401  (registers the custom augmentation layers)

    try:
        model = keras.saving.load_model(path, compile=False)
    except (ValueError, OSError) as exc:
        raise InferenceError(f"{path}: not a Keras model ({exc})") from exc
    inner = [layer for layer in model.layers if layer.name == "emotion_net"]
    model = inner[0] if inner else model
    if tuple(model.input_shape[1:]) != INPUT_SHAPE or model.output_shape[-1] != len(EMOTIONS):
        raise InferenceError(f"{path}: expected a (48, 48, 1) -> 7 classifier, got {model.input_shape}")
    return model


def export_serving_model(
    keras_path: Path,
    out: Path,
    *,
    quantize: bool = True,
    temperature: float = 1.0,
    class_offsets: tuple[float, ...] | None = None,
) -> Path:
    """Write the LiteRT flatbuffer of the classifier in `keras_path` to `out` and return `out`.

    With `quantize`, weights are stored as int8 with float activations (dynamic-range quantization):
    a 4x smaller file and faster convolutions on the CPU, no calibration data needed. `class_offsets` (one per
    emotion) and a `temperature` are baked into the final layer as `evaluate --min-recall` fits them: the served
    probabilities are softmax((logits + class_offsets) / temperature).
    """
    tf = training_module("tensorflow")
    model = keras_classifier_load(keras_path)
    if temperature != 1.0 or class_offsets is not None:
        logits = model.get_layer("logits")
        kernel, bias = logits.get_weights()
        if class_offsets is not None:
            if len(class_offsets) != len(EMOTIONS):
                raise InferenceError(f"expected {len(EMOTIONS)} class offsets, got {len(class_offsets)}")
            bias = bias + np.asarray(class_offsets, dtype=bias.dtype)
        logits.set_weights([kernel / temperature, bias / temperature])
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    out.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its whole intermediate SavedModel
        flatbuffer = converter.convert()
    out.write_bytes(flatbuffer)
    return out
