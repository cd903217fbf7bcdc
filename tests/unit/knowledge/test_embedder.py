"""Stored vectors are keyed by the model's weights, not by its folder name."""

from __future__ import annotations

import os
from pathlib import Path

from knowledge.embedder import SentenceTransformerEmbedder, weights_digest


def model_folder(tmp_path: Path, name: str, weights: bytes) -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_same_name_different_weights_different_fingerprint(tmp_path: Path) -> None:
    a = model_folder(tmp_path / "a", "multilingual-e5-small", b"weights one")
    b = model_folder(tmp_path / "b", "multilingual-e5-small", b"weights two")
    fa, fb = SentenceTransformerEmbedder(a).fingerprint, SentenceTransformerEmbedder(b).fingerprint
    assert fa.startswith("multilingual-e5-small:") and fa != fb


def test_the_cached_digest_follows_a_changed_file(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, "m", b"first build")
    first = weights_digest(folder)
    assert (folder / ".weights-sha256").is_file() and weights_digest(folder) == first
    (folder / "model.safetensors").write_bytes(b"second build!")
    os.utime(folder / "model.safetensors", ns=(1, 1))
    assert weights_digest(folder) != first
