"""FER-2013 loaders: the Kaggle image layout (folder or zip) and the original ``fer2013.csv``.

Every loader returns ``(images, labels)``: ``images`` uint8 (N, 48, 48) gray levels, ``labels`` int64 (N,)
indices into ``EMOTIONS``. Keras is not imported here, so the web app may import this module cheaply.
"""

from __future__ import annotations

import csv
import hashlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TypeVar

import numpy as np

from inference.serving.types import EMOTIONS, InferenceError

SIZE = 48
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
CSV_USAGES = ("Training", "PublicTest", "PrivateTest")
CACHE_VERSION = 1

T = TypeVar("T")


def default_cache_dir() -> Path:
    """Where decoded arrays are cached: $PULSE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /classroom-pulse."""
    explicit = os.environ.get("PULSE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "classroom-pulse"


def dataset_load(
    path: str | Path, *, usage: str | None = None, cache_dir: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Load a folder, zip or csv (chosen by what ``path`` is). ``usage`` selects the csv rows (default Training).

    With ``cache_dir`` the decoded arrays are kept there as .npz, keyed by the source's path, size and mtime.
    Returns uint8 (N, 48, 48) images and int64 (N,) labels.
    """
    path = Path(path)
    if not path.exists():
        raise InferenceError(f"no such dataset: {path}")
    if cache_dir is not None:
        cached = _cache_file(path, usage, cache_dir)
        if cached.is_file():
            with np.load(cached) as saved:
                return saved["images"], saved["labels"]
    if path.is_dir():
        images, labels = folder_load(path)
    elif path.suffix.lower() == ".zip":
        images, labels = zip_load(path)
    elif path.suffix.lower() == ".csv":
        images, labels = csv_load(path, usage=usage or "Training")
    else:
        raise InferenceError(f"not a folder, .zip or .csv: {path}")
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(cached.stem + ".tmp.npz")
        np.savez(tmp, images=images, labels=labels)
        tmp.replace(cached)
    return images, labels


def folder_load(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``root/<split>/<class>/*.jpg`` or ``root/<class>/*.jpg`` (file order sorted, classes any case)."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    entries = _labelled(((p.relative_to(root).as_posix(), p) for p in files), source=root)
    return _decode_all((label, path.read_bytes()) for label, path in entries)


def zip_load(archive: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the same layouts as ``folder_load`` from inside a zip, decoding each member from memory."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise InferenceError(f"not a readable zip: {archive}") from exc
    with zf:
        infos = sorted(
            (i for i in zf.infolist() if not i.is_dir() and PurePosixPath(i.filename).suffix.lower() in IMAGE_SUFFIXES),
            key=lambda i: i.filename,
        )
        entries = _labelled(((i.filename, i) for i in infos), source=archive)
        return _decode_all((label, zf.read(info)) for label, info in entries)


def csv_load(path: Path, *, usage: str = "Training") -> tuple[np.ndarray, np.ndarray]:
    """Read the original ``fer2013.csv`` (columns emotion, pixels, Usage), keeping the rows whose Usage matches."""
    if usage not in CSV_USAGES:
        raise InferenceError(f"usage must be one of {', '.join(CSV_USAGES)}, not {usage!r}")
    images: list[np.ndarray] = []
    labels: list[int] = []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"emotion", "pixels"} - set(reader.fieldnames or ())
        if missing:
            raise InferenceError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            if row.get("Usage", usage) != usage:
                continue
            pixels = np.array(row["pixels"].split(), dtype=np.int64)
            if pixels.size != SIZE * SIZE or not 0 <= int(row["emotion"]) < len(EMOTIONS):
                raise InferenceError(f"{path}:{line}: expected {SIZE * SIZE} pixels and an emotion 0-6")
            images.append(pixels.clip(0, 255).astype(np.uint8).reshape(SIZE, SIZE))
            labels.append(int(row["emotion"]))
    if not images:
        raise InferenceError(f"{path}: no rows with Usage={usage}")
    return np.stack(images), np.array(labels, dtype=np.int64)


def class_counts(labels: np.ndarray) -> np.ndarray:
    """How many examples of each emotion: int64 (7,)."""
    return np.bincount(labels, minlength=len(EMOTIONS)).astype(np.int64)


def _labelled(items: Iterator[tuple[str, T]], *, source: Path) -> list[tuple[int, T]]:
    """Keep the items whose parent folder names an emotion; fail clearly when none does."""
    index = {name: i for i, name in enumerate(EMOTIONS)}
    kept: list[tuple[int, T]] = []
    unknown: set[str] = set()
    for name, item in items:
        parts = PurePosixPath(name).parts
        if len(parts) < 2:
            continue
        folder = parts[-2].lower()
        if folder in index:
            kept.append((index[folder], item))
        else:
            unknown.add(parts[-2])
    if not kept:
        found = f" (found folders: {', '.join(sorted(unknown)[:10])})" if unknown else ""
        raise InferenceError(
            f"{source}: no images in <class>/ or <split>/<class>/ folders named {', '.join(EMOTIONS)}{found}"
        )
    return kept


def _decode_all(items: Iterator[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    images: list[np.ndarray] = []
    labels: list[int] = []
    for label, data in items:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise InferenceError(f"undecodable image among the {EMOTIONS[label]} examples")
        if image.shape != (SIZE, SIZE):
            image = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        images.append(image)
        labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64)


def _cache_file(path: Path, usage: str | None, cache_dir: Path) -> Path:
    stat = path.stat()
    key = f"{CACHE_VERSION}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{usage}"
    if path.is_dir():  # a folder's mtime misses edits deep inside it: don't trust it beyond the key's top level
        key += f"|{sum(1 for _ in path.rglob('*'))}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir / f"{path.stem}-{digest}.npz"
