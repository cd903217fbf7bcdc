"""Public holidays of the configured Bundesland: working days, service hours and ticket deadlines skip them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from settings import Settings, SettingsError
from settings.hours import HoursError, ServiceHours
from settings.working_days import add_working_days, is_holiday, is_working_day

BERLIN = ZoneInfo("Europe/Berlin")


def test_christmas_is_a_holiday_in_berlin_and_reformation_day_only_in_brandenburg() -> None:
    assert is_holiday(date(2026, 12, 25), "BE") and is_holiday(date(2026, 12, 26), "BE")
    assert not is_holiday(date(2026, 12, 24), "BE")
    assert is_holiday(date(2026, 10, 31), "BB") and not is_holiday(date(2026, 10, 31), "BE")
    assert is_holiday(date(2026, 3, 8), "BE") and not is_holiday(date(2026, 3, 8), "BB")  # Frauentag: Berlin only
    assert not is_holiday(date(2026, 12, 25), "")  # no state: no holidays
    with pytest.raises(ValueError, match="Bundesland"):
        is_holiday(date(2026, 1, 1), "XX")


def test_working_days_skip_weekends_and_holidays() -> None:
    assert not is_working_day(date(2026, 12, 5), "BE")  # Saturday
    assert is_working_day(date(2026, 12, 24), "BE")  # Heiligabend is a working day by law
    # Wednesday 23 Dec + 3 working days: Thu 24, (Fri 25 and Sat 26 holidays/weekend, Sun 27), Mon 28, Tue 29.
    assert add_working_days(date(2026, 12, 23), 3, "BE") == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 23), 3, "") == date(2026, 12, 28)  # without holidays: Fri 25 counts
    # Friday 30 Oct 2026: Saturday 31 is Reformationstag anyway; Monday 2 Nov counts in both states.
    assert add_working_days(date(2026, 10, 30), 1, "BB") == date(2026, 11, 2)


def test_service_hours_are_closed_on_holidays_and_deadlines_move_past_them() -> None:
    hours = ServiceHours.parse("Mo-Fr 08:00-16:00", "Europe/Berlin", "BE")
    assert not hours.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN))  # Friday, Christmas Day
    assert hours.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=BERLIN))
    # Asked Thursday 24 Dec at 15:00: 1 hour that day, then the next open day is Monday 28 Dec.
    assert hours.next_open(datetime(2026, 12, 24, 17, 0, tzinfo=BERLIN)) == datetime(2026, 12, 28, 8, 0, tzinfo=BERLIN)
    due = hours.answer_by(datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), 8)
    assert due == datetime(2026, 12, 28, 15, 0, tzinfo=BERLIN)
    plain = ServiceHours.parse("Mo-Fr 08:00-16:00", "Europe/Berlin")
    christmas_day = datetime(2026, 12, 25, 15, 0, tzinfo=BERLIN)
    assert plain.answer_by(datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), 8) == christmas_day
    # Brandenburg closes on Reformationstag when it falls on a weekday (2025: a Friday); Berlin does not.
    friday = datetime(2025, 10, 31, 10, 0, tzinfo=BERLIN)
    assert not ServiceHours.parse("Mo-Fr 08:00-16:00", "Europe/Berlin", "BB").is_open(friday)
    assert ServiceHours.parse("Mo-Fr 08:00-16:00", "Europe/Berlin", "BE").is_open(friday)
    assert ServiceHours.parse("always", "Europe/Berlin", "BE").is_open(datetime(2026, 12, 25, 3, 0, tzinfo=BERLIN))


def test_the_setting_defaults_to_berlin_and_refuses_an_unknown_state(tmp_path: Path) -> None:
    none = tmp_path / "none.env"
    assert Settings.load(env={}, dotenv=none).handoff.hours.state == "BE"
    assert Settings.load(env={"SERVICEDESK_HOLIDAY_STATE": " bb "}, dotenv=none).handoff.hours.state == "BB"
    assert Settings.load(env={"SERVICEDESK_HOLIDAY_STATE": "none"}, dotenv=none).handoff.hours.state == ""
    with pytest.raises(SettingsError, match="SERVICEDESK_HOLIDAY_STATE"):
        Settings.load(env={"SERVICEDESK_HOLIDAY_STATE": "Berlin"}, dotenv=none)
    with pytest.raises(HoursError):
        ServiceHours.parse("Mo-Fr 08:00-16:00", "Europe/Berlin", "XX")
