"""Fine-tune the embedding model on the articles' own questions and titles (CPU, at build time, cached).

Each editor question and each title is paired with a passage of its article; a contrastive loss with
in-batch negatives (one pair per article per batch, so no false negatives) pulls the article's passages
towards the ways employees ask. The word-embedding matrix (250k tokens, most of the model) stays frozen:
it keeps the model's vocabulary intact for words the articles never use and trains in ~2 minutes on 2 cores.

The result is a sentence-transformers folder next to the base model; its ``.build-stamp`` names the
inputs, so an unchanged build is skipped. Without it (or with ``SERVICEDESK_FINETUNE=0``) the base model
is used: the base model stays the fallback. Usage: ``python -m knowledge.finetune``.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import time
from pathlib import Path

from knowledge.articles import Article, chunk_article, load_articles
from knowledge.settings import Settings

VERSION = "1"  # bump when the recipe changes
EPOCHS = 1
LEARNING_RATE = 5e-6
SCALE = 20.0  # cosine -> logits (temperature 0.05)
MAX_TOKENS = 128
SEED = 13


def pairs_of(articles: list[Article], rng: random.Random) -> list[tuple[str, str, str]]:
    """(slug, anchor, positive passage): every question and the title, each with one of the article's passages."""
    out = []
    for a in articles:
        passages = [c.text for c in chunk_article(a) if c.kind == "passage"]
        for anchor in (a.title, *a.questions):
            out.append((a.slug, anchor, rng.choice(passages)))
    return out


def batches(pairs: list[tuple[str, str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str, str]]]:
    """Shuffled batches with at most one pair per article (other articles are the negatives)."""
    pending = pairs[:]
    rng.shuffle(pending)
    out: list[list[tuple[str, str, str]]] = []
    while pending:
        batch, used, rest = [], set(), []
        for p in pending:
            if p[0] not in used and len(batch) < size:
                batch.append(p)
                used.add(p[0])
            else:
                rest.append(p)
        out.append(batch)
        pending = rest
    return [b for b in out if len(b) > 1]


def stamp(base: Path, articles: list[Article]) -> str:
    """Names everything the result depends on."""
    h = hashlib.sha256(json.dumps([VERSION, EPOCHS, LEARNING_RATE, SCALE, MAX_TOKENS, SEED]).encode())
    h.update((base / ".build-stamp").read_bytes() if (base / ".build-stamp").is_file() else base.name.encode())
    for a in articles:
        h.update(json.dumps([a.slug, a.title, list(a.questions), a.body], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def finetune(base: Path, out: Path, articles: list[Article], epochs: int = EPOCHS) -> Path:
    """Train and save to ``out`` (replaced atomically); returns ``out``."""
    import torch  # noqa: PLC0415 - heavy, build time only
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_TOKENS
    for name, param in model.named_parameters():
        param.requires_grad = "word_embeddings" not in name
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=0.01)
    prompts = model.prompts or {"query": "query: ", "passage": "passage: "}
    model.train()
    for epoch in range(epochs):
        total, steps, t0 = 0.0, 0, time.monotonic()
        for batch in batches(pairs_of(articles, rng), 32, rng):
            queries = model.tokenize([prompts["query"] + b[1] for b in batch])
            passages = model.tokenize([prompts["passage"] + b[2] for b in batch])
            q = model(queries)["sentence_embedding"]
            p = model(passages)["sentence_embedding"]
            logits = SCALE * q @ p.T
            labels = torch.arange(len(batch))
            loss = (torch.nn.functional.cross_entropy(logits, labels) + torch.nn.functional.cross_entropy(logits.T, labels)) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
            steps += 1
        print(f"fine-tune: epoch {epoch + 1}/{epochs} loss {total / max(steps, 1):.3f} ({time.monotonic() - t0:.0f} s)", flush=True)
    model.eval()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out


def main() -> int:
    """Build the fine-tuned model unless it is current."""
    settings = Settings.from_env()
    base = settings.base_model_path
    out = settings.finetuned_model_path
    articles = load_articles(settings.articles_dir)
    want = stamp(base, articles)
    stamp_file = out / ".build-stamp"
    if stamp_file.is_file() and stamp_file.read_text().strip() == want:
        print(f"fine-tune: {out} is current")
        return 0
    t0 = time.monotonic()
    finetune(base, out, articles)
    stamp_file.write_text(want + "\n")
    print(f"fine-tune: wrote {out} in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
