"""The web process's own figures (requests by route, their latency, chat turns) and the text exposition format.

Counts live in this process (each instance reports its own; Prometheus adds them up). Figures that every
instance shares (escalations, the knowledge revision, purge runs) are read from the database at each scrape
(:mod:`web.metrics.collect`). The format is Prometheus' text exposition format 0.0.4, written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds; the long polls (up to SERVICEDESK_LONG_POLL_S, 25 s by default) land in the last finite buckets.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
Labels = Mapping[str, str]
Sample = tuple[Labels, float]


@dataclass
class Histogram:
    """Observations per bucket (not cumulative; :meth:`samples` adds up), their sum and count."""

    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        """Count one observation."""
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[i] += 1
                break
        self.total += value
        self.count += 1

    def samples(self, name: str, labels: Labels) -> list[str]:
        """The ``_bucket``, ``_sum`` and ``_count`` lines."""
        out: list[str] = []
        running = 0
        for bound, n in zip(BUCKETS, self.counts, strict=True):
            running += n
            out.append(sample(f"{name}_bucket", {**labels, "le": number(bound)}, running))
        out.append(sample(f"{name}_bucket", {**labels, "le": "+Inf"}, self.count))
        out.append(sample(f"{name}_sum", labels, self.total))
        out.append(sample(f"{name}_count", labels, self.count))
        return out


class Metrics:
    """What this web process counted since it started."""

    def __init__(self, turn_outcomes: Iterable[str] = ()) -> None:
        """``turn_outcomes`` are reported from the start, with 0 until they happen."""
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[tuple[str, str, str], Histogram] = {}
        self.turns: dict[str, int] = dict.fromkeys(turn_outcomes, 0)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One answered request: its route name (never the raw path), method and status class."""
        key = (route, method if method in METHODS else "other", f"{status // 100}xx")
        self.requests[key] = self.requests.get(key, 0) + 1
        self.latency.setdefault(key, Histogram()).observe(max(0.0, seconds))

    def count_turn(self, outcome: str) -> None:
        """One chat turn with its outcome."""
        self.turns[outcome] = self.turns.get(outcome, 0) + 1

    def render(self) -> list[str]:
        """This process's families in the text format."""
        names = ("route", "method", "status")
        out = family(
            "servicedesk_http_requests_total",
            "counter",
            "HTTP requests answered by this web process, by route name, method and status class.",
            [(dict(zip(names, key, strict=True)), n) for key, n in sorted(self.requests.items())],
        )
        out += header(
            "servicedesk_http_request_duration_seconds",
            "histogram",
            "Time from receiving a request to its response, by route name, method and status class.",
        )
        for key, hist in sorted(self.latency.items()):
            out += hist.samples("servicedesk_http_request_duration_seconds", dict(zip(names, key, strict=True)))
        out += family(
            "servicedesk_chat_turns_total",
            "counter",
            "Employee messages through the chat API, by what the turn brought (see the README, Operations).",
            [({"outcome": outcome}, n) for outcome, n in sorted(self.turns.items())],
        )
        return out


def header(name: str, kind: str, text: str) -> list[str]:
    """The ``# HELP`` and ``# TYPE`` lines of a family."""
    return [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]


def family(name: str, kind: str, text: str, samples: Iterable[Sample]) -> list[str]:
    """A whole family: its header and one line per sample."""
    return header(name, kind, text) + [sample(name, labels, value) for labels, value in samples]


def sample(name: str, labels: Labels, value: float) -> str:
    """``name{a="x",b="y"} value``."""
    if not labels:
        return f"{name} {number(value)}"
    inner = ",".join(f'{key}="{escape(str(val))}"' for key, val in labels.items())
    return f"{name}{{{inner}}} {number(value)}"


def escape(value: str) -> str:
    """A label value as the format wants it (backslash, double quote and newline escaped)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def number(value: float) -> str:
    """Integers without a decimal point, others as Python writes them; infinities as the format does."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
