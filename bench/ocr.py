"""Screenshot OCR: does the text Tesseract reads in 20 rendered error dialogs reach the right article?

``python -m bench.ocr`` renders the dialogs of :mod:`bench.ocr_dialogs`, puts each through the chat's path
(re-encoding, OCR with the chat's settings, the knowledge search on the OCR text) and prints, per dialog, the
article reached, then the share that reached the right one (top-1; target ≥ 80 %) and the seconds per
screenshot (OCR, one Tesseract process at a time). Then the same dialogs harder: saved as JPEG at quality 60
(what chat tools and e-mail make of a screenshot), and at 9 pt without scaling (small text).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import replace

from bench.common import percentile
from bench.ocr_dialogs import DIALOGS, Dialog, png, render
from knowledge.index_files import knowledge_base_from_files
from knowledge.search import KnowledgeBase
from settings import KnowledgeSettings
from web.chat.images import sanitize
from web.chat.ocr import read_text


def jpeg(dialog: Dialog) -> bytes:
    """The rendered dialog as a JPEG of quality 60."""
    out = io.BytesIO()
    render(dialog).save(out, format="JPEG", quality=60)
    return out.getvalue()


VARIANTS: dict[str, Callable[[Dialog], bytes]] = {
    "as JPEG, quality 60": jpeg,
    "at 9 pt, 100 %": lambda d: png(replace(d, size=9, scale=1.0)),
}


async def article_reached(kb: KnowledgeBase, raw: bytes, limit: int) -> str:
    """The article the OCR text of one screenshot reaches (top 1), ``-`` for none."""
    result = await read_text(sanitize(raw).content, limit=limit)
    best = kb.search(result.text, k=1).best if result.text else None
    return best.slug if best else "-"


async def measure() -> None:
    """Run the 20 dialogs and print the figures."""
    settings = KnowledgeSettings()
    kb, _ = knowledge_base_from_files(settings)
    kb.search("Aufwärmen", k=1)
    hits, seconds = 0, []
    for i, dialog in enumerate(DIALOGS, 1):
        clean = sanitize(png(dialog))
        started = time.perf_counter()
        result = await read_text(clean.content, limit=settings.max_query_chars)
        seconds.append(time.perf_counter() - started)
        best = kb.search(result.text, k=1).best if result.text else None
        reached = best.slug if best else "-"
        hits += reached == dialog.slug
        mark = "ok " if reached == dialog.slug else "MISS"
        print(
            f"{i:2d} {mark} {dialog.scale:4.2f}x {dialog.size:2d}pt {clean.width:4d}x{clean.height:<4d} "
            f"{seconds[-1]:5.2f} s  want {dialog.slug:28s} got {reached:28s} | {result.text[:70]}"
        )
    share = hits / len(DIALOGS)
    print(
        f"\nright article (top-1) from the OCR text: {hits}/{len(DIALOGS)} = {share:.0%} (target >= 80 %)\n"
        f"seconds per screenshot (OCR incl. preparation): mean {sum(seconds) / len(seconds):.2f}  "
        f"p50 {percentile(seconds, 50):.2f}  max {max(seconds):.2f}"
    )
    for name, make in VARIANTS.items():
        found = [await article_reached(kb, make(d), settings.max_query_chars) == d.slug for d in DIALOGS]
        print(f"the same dialogs {name}: {sum(found)}/{len(DIALOGS)} = {sum(found) / len(DIALOGS):.0%}")


def main() -> None:
    """Entry point of ``python -m bench.ocr``."""
    asyncio.run(measure())


if __name__ == "__main__":
    main()
