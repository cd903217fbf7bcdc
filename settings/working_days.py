"""Working days: Monday to Friday without the public holidays of the configured Bundesland.

The holidays come from the ``holidays`` package (``SERVICEDESK_HOLIDAY_STATE``: BB, BE, BW, BY, HB, HE, HH,
MV, NI, NW, RP, SH, SL, SN, ST, TH; empty for none). Service hours skip them, ticket deadlines move past them,
and the weekly report's "came back within 3 working days" counts only working days.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

STATES = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")


@functools.cache
def _holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year))


def is_holiday(day: date, state: str) -> bool:
    """Whether ``day`` is a public holiday in ``state`` (never, when ``state`` is empty)."""
    if not state:
        return False
    if state not in STATES:
        raise ValueError(f"unknown Bundesland {state!r} (use one of {', '.join(STATES)})")
    return day in _holidays(state, day.year)


def is_working_day(day: date, state: str) -> bool:
    """Monday to Friday and no public holiday in ``state``."""
    return day.weekday() < 5 and not is_holiday(day, state)


def add_working_days(day: date, count: int, state: str) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    found = day
    left = count
    while left > 0:
        found += timedelta(days=1)
        if is_working_day(found, state):
            left -= 1
    return found
