"""Serving installs run without TensorFlow, Keras or matplotlib, and every install comes from a lock with hashes.

The import checks run in a fresh interpreter where importing tensorflow, keras or matplotlib fails, as it does
in a serving-only install (`make run`, the image)."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TRAINING_ONLY = ("tensorflow", "tensorflow-cpu", "keras", "matplotlib")
# Makes tensorflow, keras and matplotlib (and their submodules) missing, as in a serving-only install.
BLOCK_TRAINING = textwrap.dedent(
    """
    import sys

    class TrainingOnly:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras", "matplotlib"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, TrainingOnly())
    """
)


def without_training(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TRAINING + textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def locked(path: Path) -> dict[str, list[str]]:
    """{package: [hashes]} of a pip-compile style lock."""
    packages: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
            current = match.group(1).lower()
            packages[current] = []
        elif current and (match := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            packages[current].append(match.group(1))
    return packages


@pytest.mark.parametrize(
    "lock", ["requirements.txt", "requirements-training.txt", "requirements-dev.txt", "requirements-nodeps.txt"]
)
def test_every_locked_package_is_pinned_with_hashes(lock):
    packages = locked(ROOT / lock)
    assert packages
    assert [name for name, hashes in packages.items() if not hashes] == []


def test_the_serving_lock_has_no_training_package_and_the_others_agree_with_it():
    serving = locked(ROOT / "requirements.txt")
    assert [name for name in TRAINING_ONLY if name in serving] == []
    versions = {}
    for lock in ("requirements.txt", "requirements-training.txt", "requirements-dev.txt"):
        for line in (ROOT / lock).read_text().splitlines():
            if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
                versions.setdefault(match.group(1).lower(), set()).add(match.group(2))
    assert {name: v for name, v in versions.items() if len(v) > 1} == {}
    assert "tensorflow-cpu" in locked(ROOT / "requirements-training.txt")
    assert "django" in serving and re.search(
        r"^django==5\.2\.(9|[1-9]\d)\b", (ROOT / "requirements.txt").read_text(), re.M
    )


def test_the_shipped_model_serves_without_tensorflow():
    done = without_training(
        """
        import numpy as np
        from inference import load_emotion_model
        model = load_emotion_model(None, tta=False)
        assert type(model).__name__ == "LiteRTEmotionModel", type(model)
        probabilities = model.predict(np.full((2, 48, 48, 1), 128, np.float32))
        assert probabilities.shape == (2, 7)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "matplotlib"))
        assert loaded == [], loaded
        print("served")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "served"


def test_a_keras_model_without_tensorflow_is_a_clear_inference_error(tmp_path):
    model = tmp_path / "mine.keras"
    model.write_bytes(b"not read")
    done = without_training(
        """
        from inference import InferenceError
        from inference import load_emotion_model
        try:
            load_emotion_model(sys.argv[1])
        except InferenceError as exc:
            print(exc)
        """,
        str(model),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tensorflow is not installed: serving installs run .tflite models only.")
    assert "pip install --require-hashes -r requirements-training.txt" in done.stdout


def test_exporting_without_tensorflow_says_what_to_install(tmp_path):
    done = without_training(
        """
        from inference.__main__ import main
        sys.exit(main(["export", "--model", sys.argv[1], "--out", sys.argv[2]]))
        """,
        str(tmp_path / "in.keras"),
        str(tmp_path / "out.tflite"),
    )
    assert done.returncode == 1, done.stderr
    assert "error: tensorflow is not installed" in done.stderr and "requirements-training.txt" in done.stderr


def test_training_without_keras_says_what_to_install(tmp_path):
    pixels = " ".join(["128"] * 48 * 48)
    rows = [f"{label},{pixels},{usage}" for usage in ("Training", "PublicTest") for label in range(7)]
    (tmp_path / "fer2013.csv").write_text("emotion,pixels,Usage\n" + "\n".join(rows) + "\n")
    done = without_training(
        """
        from inference.__main__ import main
        sys.exit(main(["train", "--data", sys.argv[1], "--out", sys.argv[2], "--no-cache"]))
        """,
        str(tmp_path / "fer2013.csv"),
        str(tmp_path / "run"),
    )
    assert done.returncode == 2, done.stderr
    assert "python -m inference train needs keras, which serving installs leave out" in done.stderr
    assert "pip install --require-hashes -r requirements-training.txt" in done.stderr
