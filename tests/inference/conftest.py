"""A small random-init classifier, saved as .keras and exported to .tflite once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(keras_path, tflite_path) of the default architecture at small widths; weights are random."""
    from inference.architecture import build_classifier
    from inference.model import export_serving_model

    folder = tmp_path_factory.mktemp("models")
    keras_path = folder / "tiny.keras"
    build_classifier(widths=(8, 16), dropout=0.0).save(keras_path)
    return keras_path, export_serving_model(keras_path, folder / "tiny.tflite", quantize=False)
