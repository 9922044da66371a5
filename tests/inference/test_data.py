"""The FER-2013 loaders: Kaggle folders, zips and fer2013.csv, on tiny generated images."""

from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.serving.types import EMOTIONS, InferenceError
from inference.training.data import class_counts, csv_load, dataset_load, default_cache_dir


def write_kaggle_folder(root: Path, *, per_class: int = 2, split: str | None = "train", seed: int = 0) -> np.ndarray:
    """Write random 48x48 gray PNGs (lossless, so decoding is exact) as [split/]<Class>/img_<i>.png.

    Returns the images written, uint8 (7 * per_class, 48, 48), in sorted-path order.
    """
    rng = np.random.default_rng(seed)
    written = []
    for name in sorted(EMOTIONS):
        folder = root / split / name.capitalize() if split else root / name.upper()
        folder.mkdir(parents=True)
        for i in range(per_class):
            image = rng.integers(0, 256, (48, 48), dtype=np.uint8)
            ok, encoded = cv2.imencode(".png", image)
            assert ok
            (folder / f"img_{i}.png").write_bytes(encoded.tobytes())
            written.append(image)
    return np.stack(written)


def zip_folder(root: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, path.relative_to(root).as_posix())
    return archive


def test_it_reads_a_kaggle_folder_with_any_class_case(tmp_path: Path) -> None:
    written = write_kaggle_folder(tmp_path / "fer", per_class=3)
    images, labels = dataset_load(tmp_path / "fer")
    assert images.shape == (21, 48, 48) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    assert class_counts(labels).tolist() == [3] * 7
    np.testing.assert_array_equal(images, written)
    expected = [EMOTIONS.index(name) for name in sorted(EMOTIONS) for _ in range(3)]
    assert labels.tolist() == expected


def test_it_reads_a_zip_like_the_folder(tmp_path: Path) -> None:
    write_kaggle_folder(tmp_path / "fer", split="test")
    archive = zip_folder(tmp_path / "fer", tmp_path / "fer.zip")
    from_folder = dataset_load(tmp_path / "fer")
    from_zip = dataset_load(archive)
    np.testing.assert_array_equal(from_zip[0], from_folder[0])
    np.testing.assert_array_equal(from_zip[1], from_folder[1])


def test_it_reads_class_folders_without_a_split(tmp_path: Path) -> None:
    write_kaggle_folder(tmp_path / "fer", split=None)
    images, labels = dataset_load(tmp_path / "fer")
    assert len(images) == 14 and class_counts(labels).tolist() == [2] * 7


def test_it_resizes_and_grays_odd_images(tmp_path: Path) -> None:
    write_kaggle_folder(tmp_path / "fer", per_class=1)
    color = np.zeros((96, 64, 3), dtype=np.uint8)
    color[..., 2] = 200  # pure red in BGR
    ok, encoded = cv2.imencode(".jpg", color)
    assert ok
    (tmp_path / "fer" / "train" / "Happy" / "big.jpg").write_bytes(encoded.tobytes())
    images, labels = dataset_load(tmp_path / "fer")
    assert images.shape == (8, 48, 48)
    big = images[(labels == EMOTIONS.index("happy"))][0]  # "big.jpg" sorts before "img_0.png"
    assert 50 < big.mean() < 70  # red's luma, 0.299 * 200


def test_it_selects_csv_rows_by_usage(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = ["emotion,pixels,Usage"]
    expected: dict[str, list[np.ndarray]] = {"Training": [], "PublicTest": [], "PrivateTest": []}
    for i in range(9):
        usage = ("Training", "PublicTest", "PrivateTest")[i % 3]
        image = rng.integers(0, 256, (48, 48), dtype=np.uint8)
        expected[usage].append(image)
        rows.append(f"{i % 7},{' '.join(map(str, image.ravel()))},{usage}")
    path = tmp_path / "fer2013.csv"
    path.write_text("\n".join(rows) + "\n")
    images, labels = dataset_load(path, usage="PublicTest")
    np.testing.assert_array_equal(images, np.stack(expected["PublicTest"]))
    assert labels.tolist() == [1, 4, 0]
    assert len(csv_load(path)[0]) == 3  # Training by default


def test_it_rejects_an_unknown_usage(tmp_path: Path) -> None:
    path = tmp_path / "fer2013.csv"
    path.write_text("emotion,pixels,Usage\n")
    with pytest.raises(InferenceError, match="usage"):
        csv_load(path, usage="Validation")


def test_it_explains_an_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "fer" / "cats").mkdir(parents=True)
    _, encoded = cv2.imencode(".png", np.zeros((48, 48), np.uint8))
    (tmp_path / "fer" / "cats" / "a.png").write_bytes(encoded.tobytes())
    with pytest.raises(InferenceError, match="cats"):
        dataset_load(tmp_path / "fer")


def test_it_explains_an_empty_zip_and_a_missing_path(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    zipfile.ZipFile(archive, "w").close()
    with pytest.raises(InferenceError, match="no images"):
        dataset_load(archive)
    with pytest.raises(InferenceError, match="no such dataset"):
        dataset_load(tmp_path / "absent.zip")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InferenceError, match="not a folder"):
        dataset_load(tmp_path / "notes.txt")


def test_it_caches_decoded_arrays_outside_the_source(tmp_path: Path) -> None:
    write_kaggle_folder(tmp_path / "fer")
    archive = zip_folder(tmp_path / "fer", tmp_path / "fer.zip")
    cache = tmp_path / "cache"
    first = dataset_load(archive, cache_dir=cache)
    assert len(list(cache.glob("*.npz"))) == 1
    second = dataset_load(archive, cache_dir=cache)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_the_default_cache_lives_in_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PULSE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "classroom-pulse"
