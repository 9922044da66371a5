"""Evaluation: the metrics, the `evaluate --json` command, and the shipped model's claimed accuracy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from inference.serving.types import EMOTIONS
from inference.training.evaluation import confusion_matrix, macro_f1, metrics_report

REPO = Path(__file__).resolve().parents[2]
PUBLIC_TEST = REPO.parent / "shared" / "fer2013" / "fer2013-publictest.zip"


def write_kaggle_folder(root: Path, *, per_class: list[int]) -> None:
    """Random 48x48 gray PNGs as root/test/<class>/<i>.png, ``per_class[k]`` of class k."""
    import cv2

    rng = np.random.default_rng(0)
    for name, count in zip(EMOTIONS, per_class, strict=True):
        (root / "test" / name).mkdir(parents=True)
        for i in range(count):
            _, encoded = cv2.imencode(".png", rng.integers(0, 256, (48, 48), dtype=np.uint8))
            (root / "test" / name / f"{i}.png").write_bytes(encoded.tobytes())


def test_the_report_counts_a_known_case() -> None:
    labels = np.array([0, 0, 1, 3, 3, 3])
    predictions = np.array([0, 3, 1, 3, 3, 0])
    report = metrics_report(labels, predictions)
    assert report["n"] == 6
    assert report["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["per_class"]["angry"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["per_class"]["disgust"]["f1"] == 1.0
    assert report["per_class"]["happy"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["per_class"]["fear"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # macro-F1 over the classes that occur (angry, disgust, happy), as scikit-learn computes it
    assert report["macro_f1"] == pytest.approx((0.5 + 1.0 + 2 / 3) / 3, abs=1e-4)
    assert report["confusion"][3] == [1, 0, 0, 2, 0, 0, 0]


def test_a_perfect_prediction_scores_one() -> None:
    labels = np.arange(7).repeat(3)
    assert macro_f1(confusion_matrix(labels, labels)) == 1.0
    assert metrics_report(labels, labels)["accuracy"] == 1.0


def test_evaluate_prints_one_json_object_with_consistent_supports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference.__main__ import main
    from inference.training.architecture import build_classifier

    monkeypatch.setenv("PULSE_CACHE_DIR", str(tmp_path / "cache"))
    counts = [3, 1, 2, 5, 2, 2, 4]
    write_kaggle_folder(tmp_path / "fer", per_class=counts)
    model_path = tmp_path / "tiny.keras"
    build_classifier((4,)).save(model_path)

    args = ["evaluate", "--data", str(tmp_path / "fer"), "--model", str(model_path), "--json"]
    assert main([*args, "--plot", str(tmp_path / "confusion.png")]) == 0
    report = json.loads(capsys.readouterr().out)  # exactly one JSON document on stdout
    assert set(report) == {
        "n", "accuracy", "macro_f1", "per_class", "confusion", "nll", "ece", "temperature", "nll_tempered",
        "ece_tempered", "models", "tta",
    }  # fmt: skip
    assert report["n"] == sum(counts)
    assert list(report["per_class"]) == list(EMOTIONS)
    assert [report["per_class"][e]["support"] for e in EMOTIONS] == counts
    assert [sum(row) for row in report["confusion"]] == counts
    assert set(report["per_class"]["happy"]) == {"precision", "recall", "f1", "support"}
    assert 0.0 <= report["accuracy"] <= 1.0
    assert (tmp_path / "confusion.png").stat().st_size > 0

    assert main([*args, "--no-tta"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == sum(counts)

    assert main([*args, "--min-recall", "0.3"]) == 0
    fitted = json.loads(capsys.readouterr().out)["class_offsets"]
    assert len(fitted["offsets"]) == len(EMOTIONS) and fitted["min_recall"] == 0.3
    assert set(fitted["cross_fitted"]) == {"accuracy", "lowest_recall"}
    temperature, offsets = re.fullmatch(
        rf"python -m inference export --model {re.escape(str(model_path))} --out \S+tiny\.tflite "
        r"--temperature (\S+) --class-offsets=(\S+)",
        fitted["export_command"],
    ).groups()
    assert float(temperature) == fitted["temperature"]
    assert [float(v) for v in offsets.split(",")] == fitted["offsets"]

    # Served as printed, the exported model scores what evaluate reported for the offsets.
    assert main([*fitted["export_command"].split()[3:], "--float"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--data", str(tmp_path / "fer"), "--model", str(tmp_path / "tiny.tflite"), "--json"]) == 0
    served = json.loads(capsys.readouterr().out)
    assert served["accuracy"] == fitted["accuracy"]
    assert served["confusion"] == fitted["confusion"]


def test_evaluate_scores_an_ensemble_as_the_mean_of_its_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    from inference.__main__ import main
    from inference.training.architecture import build_classifier

    monkeypatch.setenv("PULSE_CACHE_DIR", str(tmp_path / "cache"))
    counts = [2, 1, 2, 3, 2, 2, 3]
    write_kaggle_folder(tmp_path / "fer", per_class=counts)
    paths = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        paths.append(tmp_path / f"member{seed}.keras")
        build_classifier((4,)).save(paths[-1])

    base = ["evaluate", "--data", str(tmp_path / "fer"), "--json", "--no-tta"]
    assert main([*base, "--ensemble", ",".join(map(str, paths))]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["models"] == [str(p) for p in paths] and report["n"] == sum(counts)

    from inference.training.data import dataset_load
    from inference.training.evaluation import metrics_report, predictor_load

    images, labels = dataset_load(tmp_path / "fer")
    faces = images.astype(np.float32)[..., None]
    mean = np.mean([predictor_load(p, tta=False).predict(faces) for p in paths], axis=0)
    assert report["confusion"] == metrics_report(labels, mean.argmax(axis=1))["confusion"]


def test_a_perfectly_calibrated_set_has_no_calibration_error() -> None:
    from inference.training.evaluation import expected_calibration_error

    # 10 faces at 0.8 confidence, 8 of them right: claims and hits agree.
    probabilities = np.full((10, 7), 0.2 / 6)
    probabilities[:, 0] = 0.8
    labels = np.array([0] * 8 + [1, 2])
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.0, abs=1e-9)
    assert expected_calibration_error(np.array([1] * 10), probabilities) == pytest.approx(0.8)


def test_temperature_scaling_finds_the_temperature_that_made_a_model_overconfident() -> None:
    from inference.training.evaluation import calibration_report, temperature_fit, tempered

    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 1.5, (4000, 7))
    honest = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(7, p=p) for p in honest])  # labels drawn from the honest probabilities
    overconfident = tempered(honest, 0.5)  # logits doubled
    assert temperature_fit(labels, overconfident) == pytest.approx(2.0, rel=0.1)
    report = calibration_report(labels, overconfident)
    assert report["ece_tempered"] < report["ece"] and report["nll_tempered"] < report["nll"]
    np.testing.assert_array_equal(tempered(overconfident, 2.0).argmax(1), overconfident.argmax(1))


def test_evaluate_reports_a_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from inference.__main__ import main

    write_kaggle_folder(tmp_path / "fer", per_class=[1] * 7)
    code = main(["evaluate", "--data", str(tmp_path / "fer"), "--model", str(tmp_path / "absent.keras"), "--json"])
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "absent.keras" in captured.err


def claimed_accuracy() -> float:
    text = (REPO / "inference" / "MODEL.md").read_text()
    match = re.search(r"PublicTest accuracy:\s*([01]\.\d+)", text)
    assert match, "MODEL.md must state 'PublicTest accuracy: 0.xxxx'"
    return float(match.group(1))


@pytest.mark.slow
def test_the_shipped_model_scores_what_model_md_claims() -> None:
    if not PUBLIC_TEST.is_file():
        pytest.skip(f"FER-2013 PublicTest not found at {PUBLIC_TEST}")
    from inference.training.data import dataset_load
    from inference.training.evaluation import model_evaluate, predictor_load

    images, labels = dataset_load(PUBLIC_TEST)
    report = model_evaluate(predictor_load(), images, labels)
    assert report["n"] == 3589
    assert report["accuracy"] >= claimed_accuracy() - 0.005


def test_class_offsets_lift_an_underpredicted_class_to_the_recall_asked_for() -> None:
    from inference.training.evaluation import class_offsets_fit, metrics_report, offset

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 7, 3000)
    logits = rng.normal(0.0, 1.0, (3000, 7))
    logits[np.arange(3000), labels] += 1.5
    logits[:, 2] -= 1.2  # class 2 ("fear") is rarely predicted
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    before = metrics_report(labels, probabilities.argmax(1))
    assert before["per_class"]["fear"]["recall"] < 0.45

    offsets = class_offsets_fit(labels, probabilities, min_recall=0.45)
    after = metrics_report(labels, offset(probabilities, offsets).argmax(1))
    assert offsets[2] == offsets.max() > 0
    assert min(row["recall"] for row in after["per_class"].values()) >= 0.45
    assert after["accuracy"] >= before["accuracy"] - 0.02


def test_class_offsets_baked_into_the_export_give_the_offset_answers(
    tiny_models: tuple[Path, Path], tmp_path: Path
) -> None:
    from inference.training.evaluation import offset, tempered
    from inference.training.keras_model import export_serving_model, load_emotion_model

    keras_path = tiny_models[0]
    offsets = (0.0, 0.5, -0.2, 0.0, 0.1, 0.0, -0.4)
    out = export_serving_model(
        keras_path, tmp_path / "o.tflite", quantize=False, temperature=1.5, class_offsets=offsets
    )
    faces = np.random.default_rng(2).uniform(0, 255, (12, 48, 48, 1)).astype(np.float32)
    direct = load_emotion_model(keras_path, tta=False).predict(faces).astype(np.float64)
    served = load_emotion_model(out, tta=False).predict(faces)
    np.testing.assert_allclose(served, tempered(offset(direct, np.array(offsets)), 1.5), atol=1e-4)
