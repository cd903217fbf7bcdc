"""A 👎 leaves the question in the gap queue naming the article rated "nicht geholfen"; other gaps name none."""

from __future__ import annotations

from desk import gaps
from desk.runtime import LazyDesk
from tests.unit.actions.helpers import make_tracker as tracker
from tests.unit.actions.test_respond import NONE, params, respond, run


async def test_the_thumbs_down_gap_names_the_rated_article(hashing_kb, settings) -> None:
    feedback = respond(hashing_kb, settings, params(kind="deny"))
    rated = tracker("Nein", intent="deny", kb_stage="answered", kb_current="vpn-fehler", kb_query="VPN bricht ab")
    await run(feedback, rated)
    await run(respond(hashing_kb, settings, NONE), tracker("Wo ist der Beamer?"))
    found = gaps.open_gaps(LazyDesk.of(settings).get().engine)
    assert sorted((g.question, g.reason, g.article) for g in found) == [
        ("VPN bricht ab", "not_helpful", "vpn-fehler"),
        ("Wo ist der Beamer?", "none", None),
    ]
