"""Screenshot OCR: does the text Tesseract reads in 20 rendered error dialogs reach the right article?

``python -m bench.ocr`` renders the dialogs of :mod:`bench.ocr_dialogs`, puts each through the chat's path
(re-encoding, OCR with the chat's settings, the knowledge search on the OCR text) and prints, per dialog, the
article reached, then the share that reached the right one (top-1; target ≥ 80 %) and the seconds per
screenshot (OCR, one Tesseract process at a time).
"""

from __future__ import annotations

import asyncio
import time

from bench.common import percentile
from bench.ocr_dialogs import DIALOGS, png
from knowledge.index_files import knowledge_base_from_files
from settings import KnowledgeSettings
from web.chat.images import sanitize
from web.chat.ocr import read_text


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


def main() -> None:
    """Entry point of ``python -m bench.ocr``."""
    asyncio.run(measure())


if __name__ == "__main__":
    main()
