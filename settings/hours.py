"""Service hours: when agents are online, and by when a ticket gets an answer.

Format: ``"Mo-Fr 07:30-16:00"``, several parts separated by commas (``"Mo-Do 07:30-16:00, Fr 07:30-13:00"``),
``"always"`` or ``"never"``. Public holidays of the configured Bundesland (``settings.working_days``) are
closed days, except for ``"always"`` (a round-the-clock desk works on holidays too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from settings.working_days import STATES, is_holiday

DAYS = ["mo", "di", "mi", "do", "fr", "sa", "so"]
_EN = {"mon": "mo", "tue": "di", "wed": "mi", "thu": "do", "fri": "fr", "sat": "sa", "sun": "so"}
_PART = re.compile(r"^\s*(\w+)(?:\s*-\s*(\w+))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """The service-hours setting cannot be read."""


def _day(name: str) -> int:
    key = _EN.get(name.lower()[:3], name.lower()[:2])
    if key not in DAYS:
        raise HoursError(f"unknown weekday {name!r} (use Mo Di Mi Do Fr Sa So)")
    return DAYS.index(key)


@dataclass(frozen=True)
class ServiceHours:
    """Opening intervals per weekday (0 = Monday), in a time zone; closed on the public holidays of ``state``."""

    week: tuple[tuple[tuple[time, time], ...], ...]
    tz: ZoneInfo
    state: str = ""

    @classmethod
    def parse(cls, spec: str, timezone: str = "Europe/Berlin", state: str = "") -> ServiceHours:
        """Read the setting (``state``: the Bundesland whose holidays are closed); :class:`HoursError` if wrong."""
        if state and state not in STATES:
            raise HoursError(f"unknown Bundesland {state!r} (use one of {', '.join(STATES)})")
        try:
            tz = ZoneInfo(timezone)
        except Exception as exc:  # noqa: BLE001 - zoneinfo raises several types
            raise HoursError(f"unknown time zone {timezone!r}") from exc
        week: list[list[tuple[time, time]]] = [[] for _ in DAYS]
        text = spec.strip().lower()
        if text == "always":
            return cls(tuple(((time(0), time.max),) for _ in DAYS), tz)
        if text in {"never", ""}:
            return cls(tuple(() for _ in DAYS), tz)
        for part in text.split(","):
            m = _PART.match(part)
            if not m:
                raise HoursError(f"cannot read {part.strip()!r}; expected e.g. 'Mo-Fr 07:30-16:00'")
            first, last = _day(m.group(1)), _day(m.group(2) or m.group(1))
            start, end = time(int(m.group(3)), int(m.group(4))), time(int(m.group(5)), int(m.group(6)))
            if end <= start:
                raise HoursError(f"{part.strip()!r}: the end must be after the start")
            for d in range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]:
                week[d].append((start, end))
        return cls(tuple(tuple(sorted(d)) for d in week), tz, state)

    def _day(self, day: date) -> tuple[tuple[time, time], ...]:
        """The opening intervals of a local calendar day (none on a public holiday)."""
        return () if is_holiday(day, self.state) else self.week[day.weekday()]

    @property
    def never_open(self) -> bool:
        """No agent is ever online: every escalation becomes a ticket."""
        return not any(self.week)

    def is_open(self, at: datetime) -> bool:
        """Whether agents are online at ``at`` (any time zone)."""
        local = at.astimezone(self.tz)
        return any(s <= local.time() < e for s, e in self._day(local.date()))

    def _intervals_from(self, at: datetime):  # noqa: ANN202 - generator of (start, end) aware datetimes
        local = at.astimezone(self.tz)
        for offset in range(0, 15):
            day = (local + timedelta(days=offset)).date()
            for s, e in self._day(day):
                start = datetime.combine(day, s, self.tz)
                end = datetime.combine(day, e, self.tz)
                if end > local:
                    yield max(start, local), end

    def next_open(self, at: datetime) -> datetime | None:
        """When agents are next online (``at`` itself when open now)."""
        for start, _end in self._intervals_from(at):
            return start
        return None

    def answer_by(self, at: datetime, service_hours: float) -> datetime | None:
        """The moment ``service_hours`` of opening time after ``at`` have passed."""
        left = timedelta(hours=service_hours)
        for start, end in self._intervals_from(at):
            if end - start >= left:
                return start + left
            left -= end - start
        return None
