"""The same embedding model through ONNX Runtime: no torch in the serving processes.

``make build`` exports the sentence-transformers folder to ONNX and quantises the weights to int8
(``knowledge/onnx_build.py``); this module serves it: the model's own ``tokenizer.json`` (the
``tokenizers`` library), one ONNX Runtime session with one thread per call, mean pooling and
normalisation in NumPy, the model's ``query: ``/``passage: `` prompts. The servers embed one text
per call (``batch_size=1``): no padding, and int8 agrees best with the torch model that way
(cosine ≥ 0.99 on every development question, a unit test checks it).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedder import model_fingerprint

MODEL_FILE = "model.onnx"
MAX_TOKENS = 512


class OnnxEmbedder:
    """Embeds with an ONNX export of a sentence-transformers model (mean pooling, normalised)."""

    def __init__(self, folder: Path, batch_size: int = 1, threads: int = 1) -> None:
        """Load lazily from ``folder`` (``model.onnx``, ``tokenizer.json``, ``prompts.json``)."""
        self.folder = Path(folder)
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._prompts: dict[str, str] = {}
        self._dimension = 0
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            model = self.folder / MODEL_FILE
            if not model.is_file():
                raise FileNotFoundError(f"ONNX model not found at {model}: run 'make build'")
            import onnxruntime as ort  # noqa: PLC0415 - heavy
            from tokenizers import Tokenizer  # noqa: PLC0415

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            meta = json.loads((self.folder / "prompts.json").read_text(encoding="utf-8"))
            self._prompts = dict(meta.get("prompts") or {})
            self._dimension = int(meta["dimension"])
            self._tokenizer = tokenizer
            self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def warm_up(self) -> None:
        """Load now (servers call this before they accept traffic)."""
        self._load()
        self.embed_queries(["warm up"])

    @property
    def dimension(self) -> int:
        """Vector length."""
        self._load()
        return self._dimension

    @property
    def fingerprint(self) -> str:
        """Folder name plus a digest of the ONNX weights."""
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self.folder)
        return self._fingerprint

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        self._load()
        out = np.zeros((len(texts), self._dimension), np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = [prompt + t for t in texts[start : start + self.batch_size]]
            encoded = self._tokenizer.encode_batch(batch)
            width = max(len(e.ids) for e in encoded)
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for i, e in enumerate(encoded):
                ids[i, : len(e.ids)] = e.ids
                mask[i, : len(e.ids)] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            out[start : start + len(batch)] = vectors / np.maximum(norms, 1e-12)
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Encode with the ``query`` prompt."""
        return self._encode(texts, self._prompts.get("query", ""))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Encode with the ``passage`` prompt."""
        return self._encode(texts, self._prompts.get("passage", ""))
