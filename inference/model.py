"""Load the emotion classifier for serving, and export a trained .keras model into the fast format.

Serving runs a LiteRT (TensorFlow Lite) flatbuffer exported from the .keras file, with dynamic-range int8
weights: about 40x faster per face than calling the Keras model directly, with the same predictions to
within a fraction of a percent (docs/benchmarks.md). A .keras file can still be served directly; it then
runs through a `tf.function` with a fixed input signature, never `model.predict` per face.

Every model here takes float32 (N, 48, 48, 1) gray levels 0-255 and returns float32 (N, 7) probabilities
in EMOTIONS order. With test-time augmentation (`tta`) each face is classified together with its mirror
image, in the same batch, and the two answers are averaged (as in evaluation).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from inference.types import EMOTIONS, InferenceError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SHIPPED_TFLITE = WEIGHTS_DIR / "emotion.tflite"
SHIPPED_KERAS = WEIGHTS_DIR / "emotion.keras"
INPUT_SHAPE = (48, 48, 1)
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


class EmotionModel(Protocol):
    def predict(self, faces: np.ndarray) -> np.ndarray:
        """float32 (N, 48, 48, 1) gray 0-255 -> float32 (N, 7) probabilities."""
        ...


def shipped_model_path() -> Path:
    """The model served by default: the exported .tflite, else the .keras it came from."""
    return SHIPPED_TFLITE if SHIPPED_TFLITE.is_file() else SHIPPED_KERAS


def load_emotion_model(path: Path | str | None = None, *, tta: bool = True, threads: int | None = 1) -> EmotionModel:
    """The classifier at `path` (.tflite or .keras; None: the shipped one), ready to serve.

    `threads` caps the runtime's intra-op threads (None: the runtime's default, usually every core).
    Raises InferenceError when the file is missing or is not a model.
    """
    path = Path(path) if path else shipped_model_path()
    if not path.is_file():
        raise InferenceError(f"no emotion model at {path}: train one (python -m inference train) or set its path")
    if path.suffix == ".tflite":
        return LiteRTEmotionModel(path, tta=tta, threads=threads)
    if path.suffix == ".keras":
        return KerasEmotionModel(path, tta=tta, threads=threads)
    raise InferenceError(f"{path}: expected a .tflite or .keras emotion model")


def _checked_faces(faces: np.ndarray) -> np.ndarray:
    faces = np.asarray(faces, dtype=np.float32)
    if faces.ndim == 3:
        faces = faces[..., None]
    if faces.shape[1:] != INPUT_SHAPE:
        raise InferenceError(f"expected faces of shape (N, 48, 48, 1), got {faces.shape}")
    return faces


class _MirrorAveraging:
    """`predict` for every runtime: shape checks and mirror TTA around the runtime's own `_run(batch)`."""

    tta: bool

    def predict(self, faces: np.ndarray) -> np.ndarray:
        faces = _checked_faces(faces)
        n = len(faces)
        if n == 0:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        if not self.tta:
            return np.array(self._run(faces), dtype=np.float32)
        probabilities = self._run(np.concatenate([faces, faces[:, :, ::-1]], axis=0))
        return ((probabilities[:n] + probabilities[n:]) / 2.0).astype(np.float32)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class LiteRTEmotionModel(_MirrorAveraging):
    """A .tflite classifier on the LiteRT interpreter. Not thread-safe: one per thread."""

    def __init__(self, path: Path, *, tta: bool = True, threads: int | None = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count() or 1)
        except (ValueError, RuntimeError) as exc:
            raise InferenceError(f"{path}: not a LiteRT model ({exc})") from exc
        self.path = path
        self.tta = tta
        self._input = self.interpreter.get_input_details()[0]["index"]
        self._output = self.interpreter.get_output_details()[0]["index"]
        self._batch = 0

    def _run(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) != self._batch:
            # Resizing reallocates the interpreter's buffers; keep the size until a batch of another size comes.
            self.interpreter.resize_tensor_input(self._input, batch.shape, strict=False)
            self.interpreter.allocate_tensors()
            self._batch = len(batch)
        self.interpreter.set_tensor(self._input, np.ascontiguousarray(batch))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output)


class KerasEmotionModel(_MirrorAveraging):
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
    import inference.architecture  # noqa: F401  (registers the custom augmentation layers)

    try:
        model = keras.saving.load_model(path, compile=False)
    except (ValueError, OSError) as exc:
        raise InferenceError(f"{path}: not a Keras model ({exc})") from exc
    inner = [layer for layer in model.layers if layer.name == "emotion_net"]
    model = inner[0] if inner else model
    if tuple(model.input_shape[1:]) != INPUT_SHAPE or model.output_shape[-1] != len(EMOTIONS):
        raise InferenceError(f"{path}: expected a (48, 48, 1) -> 7 classifier, got {model.input_shape}")
    return model


def export_serving_model(keras_path: Path, out: Path, *, quantize: bool = True) -> Path:
    """Write the LiteRT flatbuffer of the classifier in `keras_path` to `out` and return `out`.

    With `quantize`, weights are stored as int8 with float activations (dynamic-range quantization):
    a 4x smaller file and faster convolutions on the CPU, no calibration data needed.
    """
    tf = training_module("tensorflow")
    model = keras_classifier_load(keras_path)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    out.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its whole intermediate SavedModel
        flatbuffer = converter.convert()
    out.write_bytes(flatbuffer)
    return out
