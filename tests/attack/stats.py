"""What the attack suite tried, per category, for the summary printed at the end of the run."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

CASES: dict[str, Counter[str]] = defaultdict(Counter)  # part -> "category status-class" -> count
SECONDS: Counter[str] = Counter()


def record(part: str, category: str, status: int) -> None:
    """One request of ``part`` (e.g. "bad inputs") in ``category``, answered with ``status``."""
    CASES[part][f"{category} {status // 100}xx"] += 1


class timed:  # noqa: N801 - used as a context manager
    """Adds the wall time of a block to ``SECONDS[part]``."""

    def __init__(self, part: str) -> None:
        self.part = part

    def __enter__(self) -> None:
        self.start = time.monotonic()

    def __exit__(self, *_exc: object) -> None:
        SECONDS[self.part] += time.monotonic() - self.start


def summary() -> list[str]:
    """Lines for the terminal: per part the cases per category and the 5xx count."""
    lines = []
    for part, counts in sorted(CASES.items()):
        categories: dict[str, Counter[str]] = defaultdict(Counter)
        for key, n in counts.items():
            name, status = key.rsplit(" ", 1)
            categories[name][status] += n
        server_errors = sum(n for key, n in counts.items() if key.endswith("5xx"))
        total = sum(counts.values())
        lines.append(f"{part}: {total} cases, {server_errors} x 5xx, {SECONDS[part]:.0f} s")
        for name, by_status in sorted(categories.items()):
            detail = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
            lines.append(f"    {name}: {sum(by_status.values())} ({detail})")
    return lines
