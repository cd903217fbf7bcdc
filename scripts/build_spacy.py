"""Save the German spaCy layer for Rasa's ``SpacyNLP`` (runs in the Rasa environment, spaCy 3.4).

``spacy.blank("de")`` + lookup lemmatizer (spacy-lookups-data) + the entity rules of
``knowledge/entity_patterns.jsonl``. Usage: ``python -m scripts.build_spacy OUT_DIR`` (``make build`` does it).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from knowledge.language import build_pipeline


def main(out: Path) -> None:
    """Build and save atomically."""
    nlp = build_pipeline(lemmatizer=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    print(f"spaCy layer: {out} ({', '.join(nlp.pipe_names)})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
