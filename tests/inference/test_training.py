"""Training: class weights, the in-graph augmenter, and a tiny end-to-end run that resumes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from inference.serving.types import EMOTIONS
from inference.training.trainer import class_weights


def write_kaggle_folder(root: Path, *, per_class: int) -> None:
    """Random 48x48 gray PNGs as root/train/<class>/<i>.png."""
    import cv2

    rng = np.random.default_rng(0)
    for name in EMOTIONS:
        (root / "train" / name).mkdir(parents=True)
        for i in range(per_class):
            _, encoded = cv2.imencode(".png", rng.integers(0, 256, (48, 48), dtype=np.uint8))
            (root / "train" / name / f"{i}.png").write_bytes(encoded.tobytes())


def test_class_weights_favour_rare_classes_and_average_one() -> None:
    labels = np.repeat(np.arange(7), [400, 40, 400, 800, 400, 300, 500])
    weights = class_weights(labels, power=0.5)
    per_example = np.array([weights[int(c)] for c in labels])
    assert per_example.mean() == pytest.approx(1.0)
    assert weights[1] > weights[0] > weights[3]
    assert weights[1] / weights[3] == pytest.approx((800 / 40) ** 0.5)


def test_class_weights_power_zero_is_no_reweighting() -> None:
    labels = np.array([0, 0, 0, 1, 2, 3, 4, 5, 6])
    assert list(class_weights(labels, power=0.0).values()) == pytest.approx([1.0] * 7)


def test_the_augmenter_is_identity_at_inference_and_keeps_range_in_training() -> None:
    from inference.training.architecture import build_augmenter

    faces = np.random.default_rng(0).uniform(0, 255, (8, 48, 48, 1)).astype(np.float32)
    augmenter = build_augmenter(seed=3)
    np.testing.assert_array_equal(np.asarray(augmenter(faces, training=False)), faces)
    augmented = np.asarray(augmenter(faces, training=True))
    assert augmented.shape == faces.shape
    assert augmented.min() >= 0 and augmented.max() <= 255
    assert not np.allclose(augmented, faces)


def test_a_still_affine_warp_is_the_identity() -> None:
    from inference.training.architecture import RandomAffine

    faces = np.random.default_rng(1).uniform(0, 255, (4, 48, 48, 1)).astype(np.float32)
    still = RandomAffine(rotation_deg=0.0, scale=0.0, shift=0.0, flip=False, seed=0)
    np.testing.assert_allclose(np.asarray(still(faces, training=True)), faces, atol=1e-3)


def test_the_classifier_keeps_the_serving_contract() -> None:
    from inference.training.architecture import build_classifier

    model = build_classifier((4, 8))
    probabilities = np.asarray(model(np.full((3, 48, 48, 1), 128.0, np.float32)))
    assert model.input_shape == (None, 48, 48, 1)
    assert probabilities.shape == (3, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_a_tiny_run_writes_its_files_and_resumes(tmp_path: Path) -> None:
    import keras

    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=14)  # 98 images
    out = tmp_path / "run"
    common = ["--data", str(tmp_path / "fer"), "--val", str(tmp_path / "fer"), "--out", str(out), "--no-cache"]
    common += ["--epochs", "2", "--widths", "4,8", "--batch-size", "32"]
    assert main(["train", *common, "--stop-after", "1"]) == 0
    assert {p.name for p in out.iterdir()} >= {"best.keras", "last.keras", "log.json", "curves.png"}
    first = json.loads((out / "log.json").read_text())
    assert [e["epoch"] for e in first["epochs"]] == [1]
    assert first["config"]["widths"] == [4, 8]

    assert main(["train", *common, "--resume"]) == 0
    log = json.loads((out / "log.json").read_text())
    assert [e["epoch"] for e in log["epochs"]] == [1, 2]
    assert log["epochs"][0] == first["epochs"][0]
    assert log["epochs"][1]["lr"] == pytest.approx(0.0, abs=1e-6)  # the cosine schedule went on, not restarted
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "val_macro_f1", "seconds"):
        assert np.isfinite(log["epochs"][1][key])
    assert log["best"]["val_accuracy"] == max(e["val_accuracy"] for e in log["epochs"])

    best = keras.saving.load_model(out / "best.keras")
    assert best.name == "emotion_net"  # the classifier alone, without the augmenter
    assert best.output_shape == (None, 7)


def test_resume_needs_a_previous_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=1)
    args = ["train", "--data", str(tmp_path / "fer"), "--out", str(tmp_path / "run"), "--resume", "--no-cache"]
    assert main([*args, "--val", str(tmp_path / "fer")]) == 1
    assert "nothing to resume" in capsys.readouterr().err


def test_resume_can_shorten_the_plan_without_jumping_the_rate(tmp_path: Path) -> None:
    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=5)
    out = tmp_path / "run"
    common = ["--data", str(tmp_path / "fer"), "--val", str(tmp_path / "fer"), "--out", str(out), "--no-cache"]
    common += ["--widths", "4", "--batch-size", "35"]
    assert main(["train", *common, "--epochs", "6", "--stop-after", "3"]) == 0
    assert main(["train", *common, "--resume", "--epochs", "4"]) == 0
    log = json.loads((out / "log.json").read_text())
    rates = [e["lr"] for e in log["epochs"]]
    assert len(rates) == 4 and log["config"]["epochs"] == 4
    assert rates[3] == pytest.approx(0.0, abs=1e-6)
    assert log["config"]["replanned_from"] == [3.0, pytest.approx(rates[2])]


def test_auto_precision_tries_bfloat16_only_where_the_cpu_computes_it() -> None:
    from inference.serving.types import InferenceError
    from inference.training.machine import precision_candidates

    both = ("bfloat16", "float32")
    assert precision_candidates("auto", flags=frozenset({"avx2", "avx512f", "avx512_bf16"})) == both
    assert precision_candidates("auto", flags=frozenset({"avx2", "amx_bf16", "amx_tile"})) == both
    assert precision_candidates("auto", flags=frozenset({"avx2", "avx512f"})) == ("float32",)
    assert precision_candidates("float32", flags=frozenset({"avx512_bf16"})) == ("float32",)
    with pytest.raises(InferenceError):
        precision_candidates("int4")


def test_the_fastest_precision_is_chosen_by_timing_each_one() -> None:
    import keras

    from inference.training.speed import precision_fastest, timings_line

    built: list[str] = []

    def build() -> str:
        built.append(keras.mixed_precision.global_policy().name)
        return built[-1]

    def timer(model: str, x: np.ndarray, y: np.ndarray, *, steps: int) -> float:
        return {"mixed_bfloat16": 0.86, "float32": 0.73}[model]

    batch = (np.zeros((2, 48, 48, 1)), np.zeros((2, 7)))
    chosen, timings = precision_fastest(("bfloat16", "float32"), build, batch, timer=timer)
    assert (chosen, timings) == ("float32", {"bfloat16": 0.86, "float32": 0.73})
    assert built == ["mixed_bfloat16", "float32"]
    assert keras.mixed_precision.global_policy().name == "float32"
    assert timings_line(chosen, timings) == "precision auto: bfloat16 860 ms per step, float32 730 ms per step: float32"
    assert precision_fastest(("float32",), build, batch, timer=timer) == ("float32", {})  # one: nothing to time
    assert len(built) == 2


def test_auto_precision_times_real_training_steps_of_the_run_s_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    from inference.training import trainer

    monkeypatch.setattr(trainer, "precision_candidates", lambda requested: ("bfloat16", "float32"))
    config = trainer.TrainConfig(epochs=1, batch_size=4, widths=(4, 8), precision="auto")
    images = np.random.default_rng(0).integers(0, 255, (8, 48, 48), dtype=np.uint8)
    labels = np.arange(8) % 7
    chosen = trainer._precision_choose(config, (images, labels), steps_per_epoch=2)

    assert chosen in ("bfloat16", "float32")
    assert keras.mixed_precision.global_policy().name == "float32"
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"precision auto: bfloat16 \d+ ms per step, float32 \d+ ms per step: (bfloat16|float32)", line)
    assert line.endswith(chosen)


def test_a_bfloat16_run_with_a_moving_average_saves_a_float32_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=10)
    out = tmp_path / "run"
    args = ["train", "--data", str(tmp_path / "fer"), "--val", str(tmp_path / "fer"), "--out", str(out)]
    args += ["--no-cache", "--epochs", "2", "--widths", "4,8", "--batch-size", "2", "--precision", "bfloat16"]
    assert main([*args, "--ema", "0.9"]) == 0
    assert keras.mixed_precision.global_policy().name == "float32"  # the run put the process's policy back

    printed = capsys.readouterr().out
    assert "steps/s" in printed and "bfloat16 compute" in printed
    log = json.loads((out / "log.json").read_text())
    assert log["config"]["precision"] == "bfloat16"
    for epoch in log["epochs"]:
        assert epoch["weights"] in ("raw", "ema")
        assert epoch["val_accuracy"] == max(epoch["val_accuracy_raw"], epoch["val_accuracy_ema"])
    best = keras.saving.load_model(out / "best.keras")
    assert {layer.dtype_policy.name for layer in best.layers} == {"float32"}
    probabilities = np.asarray(best(np.full((2, 48, 48, 1), 100.0, np.float32)))
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_the_distillation_loss_blends_labels_and_teachers() -> None:
    import keras

    from inference.training.distillation import DistillationLoss

    labels = keras.utils.to_categorical([0, 3], 7)
    student = np.array([[0.6, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05], [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1]], np.float32)
    teachers = np.array([[0.2, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1], [0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05]], np.float32)

    def loss(alpha: float, teacher: np.ndarray) -> float:
        combined = np.concatenate([student, teacher], axis=1)
        return float(DistillationLoss(alpha=alpha, temperature=3.0)(labels, combined))

    cross_entropy = float(keras.losses.CategoricalCrossentropy()(labels, student))
    assert loss(0.0, teachers) == pytest.approx(cross_entropy, rel=1e-5)  # labels only
    assert loss(1.0, student) == pytest.approx(0.0, abs=1e-5)  # a student that already agrees has nothing to learn
    assert loss(1.0, teachers) > 0.0
    closer = 0.5 * student + 0.5 * teachers
    assert float(DistillationLoss(alpha=1.0, temperature=3.0)(labels, np.concatenate([closer, teachers], 1))) < loss(
        1.0, teachers
    )


def test_a_student_distils_from_trained_teachers_and_resumes(tmp_path: Path) -> None:
    import keras

    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=6)
    data = ["--data", str(tmp_path / "fer"), "--val", str(tmp_path / "fer"), "--no-cache", "--batch-size", "14"]
    for seed in ("1", "2"):
        assert main(["train", *data, "--out", str(tmp_path / f"t{seed}"), "--epochs", "1", "--widths", "6,8"]) == 0
    teachers = f"{tmp_path / 't1' / 'best.keras'},{tmp_path / 't2' / 'best.keras'}"
    student = ["train", *data, "--out", str(tmp_path / "s"), "--widths", "4", "--epochs", "2"]
    student += ["--teacher", teachers, "--distill-alpha", "0.7", "--precision", "bfloat16"]
    assert main([*student, "--stop-after", "1"]) == 0
    assert main(["train", *data, "--out", str(tmp_path / "s"), "--resume"]) == 0

    log = json.loads((tmp_path / "s" / "log.json").read_text())
    assert log["config"]["teachers"] == teachers.split(",") and log["config"]["distill_alpha"] == 0.7
    assert [e["epoch"] for e in log["epochs"]] == [1, 2]
    assert all(np.isfinite(e["accuracy"]) and np.isfinite(e["loss"]) for e in log["epochs"])
    best = keras.saving.load_model(tmp_path / "s" / "best.keras")
    assert best.name == "emotion_net" and best.count_params() < 2000  # the student alone, not the teachers


def test_a_run_can_start_from_a_trained_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import keras

    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=3)
    data = ["--data", str(tmp_path / "fer"), "--val", str(tmp_path / "fer"), "--no-cache", "--batch-size", "21"]
    assert main(["train", *data, "--out", str(tmp_path / "a"), "--epochs", "1", "--widths", "4"]) == 0
    start = tmp_path / "a" / "best.keras"
    # A zero learning rate leaves the kernels where --init put them (BatchNorm statistics still move).
    tuned = ["train", *data, "--out", str(tmp_path / "b"), "--epochs", "1", "--widths", "4", "--lr", "0", "--seed", "7"]
    assert main([*tuned, "--init", str(start)]) == 0
    kernel = "block1_conv1"
    before = keras.saving.load_model(start).get_layer(kernel).get_weights()[0]
    after = keras.saving.load_model(tmp_path / "b" / "best.keras").get_layer(kernel).get_weights()[0]
    np.testing.assert_array_equal(after, before)
    assert json.loads((tmp_path / "b" / "log.json").read_text())["config"]["init"] == str(start)

    wider = ["train", *data, "--out", str(tmp_path / "c"), "--epochs", "1", "--widths", "8", "--init", str(start)]
    assert main(wider) == 1
    assert "differ from this run's --widths" in capsys.readouterr().err
