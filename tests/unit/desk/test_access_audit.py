"""The access audit: one row per opened escalation, one per visit of its polled messages, purged by date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from desk import access_audit
from desk.accounts import Account
from desk.db import access_audit as access_audit_table


def test_the_detail_view_is_always_noted_and_polls_only_once_per_visit(desk) -> None:
    anna = Account(id=7, username="anna", display_name="Anna", roles=("agent",))
    assert access_audit.record(desk.engine, account=anna, view="escalation", escalation_id=1)
    assert access_audit.record(desk.engine, account=anna, view="escalation", escalation_id=1)
    assert access_audit.record(desk.engine, account=anna, view="messages", escalation_id=1)
    assert not access_audit.record(desk.engine, account=anna, view="messages", escalation_id=1)
    assert access_audit.record(desk.engine, account=anna, view="messages", escalation_id=2)
    with pytest.raises(ValueError):
        access_audit.record(desk.engine, account=anna, view="everything")
    assert len(access_audit.accesses(desk.engine)) == 4
    assert access_audit.purge(desk.engine, access_audit.now()) == 4 and access_audit.accesses(desk.engine) == []


def test_a_poll_after_the_repeat_window_is_a_new_visit(desk) -> None:
    anna = Account(id=7, username="anna", display_name="Anna", roles=("agent",))
    bert = Account(id=8, username="bert", display_name="Bert", roles=("agent",))
    assert access_audit.record(desk.engine, account=anna, view="tickets")
    assert not access_audit.record(desk.engine, account=anna, view="tickets")
    assert access_audit.record(desk.engine, account=bert, view="tickets")  # another account: its own visit
    earlier = access_audit.now() - timedelta(seconds=access_audit.REPEAT_S + 1)
    with desk.engine.begin() as conn:
        conn.execute(update(access_audit_table).values(at=earlier))
    assert access_audit.record(desk.engine, account=anna, view="tickets")
    assert [r["staff_username"] for r in access_audit.accesses(desk.engine)] == ["anna", "bert", "anna"]
    assert access_audit.purge(desk.engine, earlier + timedelta(seconds=1)) == 2
