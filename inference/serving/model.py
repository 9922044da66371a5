"""The emotion classifier as served: a LiteRT (TensorFlow Lite) flatbuffer on the LiteRT interpreter.

The flatbuffer is exported from the trained .keras file (`inference.training.keras_model`), with
dynamic-range int8 weights: about 40x faster per face than calling the Keras model directly, with the same
predictions to within a fraction of a percent (docs/benchmarks.md). Nothing here imports TensorFlow or
Keras; a .keras file is served through `inference.load_emotion_model`, which hands it to the training side.

Every model here takes float32 (N, 48, 48, 1) gray levels 0-255 and returns float32 (N, 7) probabilities
in EMOTIONS order. With test-time augmentation (`tta`) each face is classified in ten views, in one batch
(`tta_views`: as it is and moved two pixels each way, each also mirrored), and the answers are averaged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from inference.serving.types import EMOTIONS, InferenceError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
SHIPPED_TFLITE = WEIGHTS_DIR / "emotion.tflite"
SHIPPED_KERAS = WEIGHTS_DIR / "emotion.keras"
INPUT_SHAPE = (48, 48, 1)


class EmotionModel(Protocol):
    def predict(self, faces: np.ndarray) -> np.ndarray:
        """float32 (N, 48, 48, 1) gray 0-255 -> float32 (N, 7) probabilities."""
        ...


def shipped_model_path() -> Path:
    """The model served by default: the exported .tflite, else the .keras it came from."""
    return SHIPPED_TFLITE if SHIPPED_TFLITE.is_file() else SHIPPED_KERAS


def load_litert_model(path: Path | str | None = None, *, tta: bool = True, threads: int | None = 1) -> EmotionModel:
    """The .tflite classifier at `path` (None: the shipped one), ready to serve.

    `threads` caps the runtime's intra-op threads (None: every core).
    Raises InferenceError when the file is missing or is not a LiteRT model.
    """
    path = Path(path) if path else SHIPPED_TFLITE
    if not path.is_file():
        raise InferenceError(f"no emotion model at {path}: train one (python -m inference train) or set its path")
    if path.suffix != ".tflite":
        raise InferenceError(f"{path}: expected a .tflite emotion model")
    return LiteRTEmotionModel(path, tta=tta, threads=threads)


def _checked_faces(faces: np.ndarray) -> np.ndarray:
    faces = np.asarray(faces, dtype=np.float32)
    if faces.ndim == 3:
        faces = faces[..., None]
    if faces.shape[1:] != INPUT_SHAPE:
        raise InferenceError(f"expected faces of shape (N, 48, 48, 1), got {faces.shape}")
    return faces


# Where test-time augmentation moves each face, in pixels (rows, columns): FER-2013's crops are loose, and a
# classifier trained on shifted faces averages out where exactly the crop fell.
TTA_SHIFTS = ((0, 0), (-2, 0), (2, 0), (0, -2), (0, 2))


def tta_views(faces: np.ndarray) -> np.ndarray:
    """The (10 N, 48, 48, 1) views of N faces that test-time augmentation classifies, view by view: each face as it
    is and moved two pixels up, down, left and right (the edge rows and columns repeated into the gap), then the
    mirror images of those five."""
    margin = max(max(abs(dy), abs(dx)) for dy, dx in TTA_SHIFTS)
    padded = np.pad(faces, ((0, 0), (margin, margin), (margin, margin), (0, 0)), mode="edge")
    height, width = faces.shape[1:3]
    shifted = [
        padded[:, margin - dy : margin - dy + height, margin - dx : margin - dx + width] for dy, dx in TTA_SHIFTS
    ]
    return np.concatenate([*shifted, *(view[:, :, ::-1] for view in shifted)], axis=0)


class ViewAveraging:
    """`predict` for every runtime: shape checks and test-time augmentation around the runtime's `_run(batch)`."""

    tta: bool

    def predict(self, faces: np.ndarray) -> np.ndarray:
        faces = _checked_faces(faces)
        n = len(faces)
        if n == 0:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        if not self.tta:
            return np.array(self._run(faces), dtype=np.float32)
        probabilities = np.asarray(self._run(tta_views(faces)), dtype=np.float32)
        return probabilities.reshape(-1, n, len(EMOTIONS)).mean(axis=0)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class LiteRTEmotionModel(ViewAveraging):
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
