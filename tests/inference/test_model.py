"""The serving models: LiteRT export matches Keras, test-time augmentation, shape checks, clear load errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inference.serving.model import shipped_model_path
from inference.serving.types import EMOTIONS, InferenceError
from inference.training.keras_model import KerasEmotionModel, load_emotion_model
from inference.training.synthetic import synthetic_face_jpeg

REPO = Path(__file__).resolve().parents[2]


def faces(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, 48, 48, 1)).astype(np.float32)


def test_the_exported_model_gives_the_keras_model_s_probabilities(tiny_models: tuple[Path, Path]) -> None:
    keras_path, tflite_path = tiny_models
    batch = faces(16)
    served = load_emotion_model(tflite_path, tta=False).predict(batch)
    direct = load_emotion_model(keras_path, tta=False).predict(batch)
    assert isinstance(load_emotion_model(keras_path), KerasEmotionModel)
    assert served.shape == (16, len(EMOTIONS)) and served.dtype == np.float32
    assert np.allclose(served.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(served - direct).max() < 1e-4


def test_a_temperature_baked_into_the_export_softens_the_same_answers(
    tiny_models: tuple[Path, Path], tmp_path: Path
) -> None:
    from inference.training.evaluation import tempered
    from inference.training.keras_model import export_serving_model

    keras_path = tiny_models[0]
    softened = export_serving_model(keras_path, tmp_path / "t2.tflite", quantize=False, temperature=2.0)
    batch = faces(16, seed=5)
    direct = load_emotion_model(keras_path, tta=False).predict(batch)
    served = load_emotion_model(softened, tta=False).predict(batch)
    np.testing.assert_allclose(served, tempered(direct.astype(np.float64), 2.0), atol=1e-4)
    np.testing.assert_array_equal(served.argmax(1), direct.argmax(1))


def test_batch_sizes_can_change_between_calls(tiny_models: tuple[Path, Path]) -> None:
    model = load_emotion_model(tiny_models[1])
    batch = faces(7, seed=3)
    together = model.predict(batch)
    one_by_one = np.concatenate([model.predict(batch[i : i + 1]) for i in range(7)])
    assert np.allclose(together, one_by_one, atol=1e-5)
    assert model.predict(batch[:0]).shape == (0, len(EMOTIONS))


def test_tta_averages_each_face_moved_two_pixels_each_way_and_mirrored(tiny_models: tuple[Path, Path]) -> None:
    model = load_emotion_model(tiny_models[1], tta=True)
    batch = faces(4, seed=5)
    assert np.allclose(model.predict(batch), model.predict(batch[:, :, ::-1]), atol=1e-5)

    plain = load_emotion_model(tiny_models[1], tta=False)
    padded = np.pad(batch, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")
    moved = [padded[:, 2 + dy : 50 + dy, 2 + dx : 50 + dx] for dy, dx in [(0, 0), (2, 0), (-2, 0), (0, 2), (0, -2)]]
    views = [*moved, *(view[:, :, ::-1] for view in moved)]
    averaged = np.mean([plain.predict(view) for view in views], axis=0)
    assert np.allclose(model.predict(batch), averaged, atol=1e-5)
    assert not np.allclose(model.predict(batch), plain.predict(batch), rtol=0, atol=1e-6)  # a tiny, untrained net


def test_the_tta_views_of_a_face_keep_its_pixels_and_move_them_by_two() -> None:
    from inference.serving.model import tta_views

    face = np.arange(48 * 48, dtype=np.float32).reshape(1, 48, 48, 1)
    views = tta_views(face)
    assert views.shape == (10, 48, 48, 1)
    assert np.array_equal(views[0], face[0]) and np.array_equal(views[5], face[0, :, ::-1])
    moved = {(dy, dx) for dy in (-2, 0, 2) for dx in (-2, 0, 2) if abs(dy) + abs(dx) == 2}
    found = set()
    for view in views[1:5]:
        [(dy, dx)] = [
            (dy, dx)
            for dy, dx in moved
            if np.array_equal(view[6:42, 6:42], face[0, 6 - dy : 42 - dy, 6 - dx : 42 - dx])
        ]
        found.add((dy, dx))
    assert found == moved


def test_faces_of_the_wrong_shape_are_refused(tiny_models: tuple[Path, Path]) -> None:
    with pytest.raises(InferenceError, match="48, 48, 1"):
        load_emotion_model(tiny_models[1]).predict(np.zeros((2, 64, 64, 1), np.float32))


def test_a_missing_or_foreign_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InferenceError, match="no emotion model"):
        load_emotion_model(tmp_path / "absent.tflite")
    (tmp_path / "junk.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(InferenceError, match="not a LiteRT model"):
        load_emotion_model(tmp_path / "junk.tflite")
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(InferenceError, match=r"\.tflite or \.keras"):
        load_emotion_model(tmp_path / "model.onnx")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_analyze_prints_the_faces_of_each_image_as_json(tmp_path: Path, tiny_models: tuple[Path, Path]) -> None:
    face = tmp_path / "face.jpg"
    face.write_bytes(synthetic_face_jpeg(seed=4))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"nope")
    result = run_cli("analyze", str(face), str(broken), "--json", "--model", str(tiny_models[1]))
    assert result.returncode == 1, result.stderr  # one image could not be read
    report = json.loads(result.stdout)
    found, failed = report["results"]
    assert found["path"] == str(face) and len(found["faces"]) == 1
    assert len(found["faces"][0]["box"]) == 4 and found["faces"][0]["emotion"] in EMOTIONS
    assert set(found["faces"][0]["probabilities"]) == set(EMOTIONS)
    assert failed["faces"] == [] and "decodable" in failed["error"]


@pytest.mark.slow
def test_bench_prints_the_figures_the_issue_asks_for(tiny_models: tuple[Path, Path]) -> None:
    keras_path, tflite_path = tiny_models
    result = run_cli("bench", "--json", "--repeats", "20", "--model", str(tflite_path), "--keras", str(keras_path))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "per_face_ms",
        "per_face_batched_ms",
        "per_frame_ms",
        "frames_per_s_one_core",
        "keras_call_per_face_ms",
        "per_frame_haar_ms",
    ):
        assert figures[key] > 0
    assert figures["frame"]["faces_found"] == 1
    assert "cpus" in figures["machine"]
    assert figures["speedup_vs_keras_call"] == pytest.approx(
        figures["keras_call_per_face_ms"] / figures["per_face_ms"], rel=0.05
    )


@pytest.mark.slow
def test_bench_detection_puts_both_detectors_side_by_side(tmp_path: Path) -> None:
    result = run_cli(
        "bench", "--detection", "--json", "--per-condition", "2", "--empty", "3", "--fer", str(tmp_path / "none.zip")
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures["detection"]) == {"blazeface", "haar"}
    for rows in figures["detection"].values():
        conditions = {row["condition"]: row for row in rows}
        assert conditions["turned 60 deg"]["frames"] == 2 and conditions["frontal"]["ms_per_frame"] > 0
        assert conditions["no face: empty rooms (false faces)"]["frames"] == 3
    assert "accuracy" not in figures  # no FER-2013 set given
    poses = {row["drawn"]: row for row in figures["head_pose"]}
    assert poses["turned 30 deg right"]["yaw"] > 15 > -15 > poses["turned 30 deg left"]["yaw"]
    assert poses["tipped 30 deg down"]["pitch"] > poses["level"]["pitch"]


@pytest.mark.skipif(not shipped_model_path().is_file(), reason="no trained model in inference/weights yet")
def test_the_shipped_model_loads_and_classifies_a_generated_face() -> None:
    from inference.serving.analyzer import FaceAnalyzer

    analyzer = FaceAnalyzer()
    happy = analyzer.analyze(synthetic_face_jpeg(seed=40, expression="happy"))[0].probabilities
    assert happy is not None and sum(happy.values()) == pytest.approx(1.0, abs=1e-5)
