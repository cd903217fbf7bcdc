"""A hand-built week of 20 conversations (2026-W52, Christmas in Berlin) and the self-service figures derived by hand.

The clock stands at Wednesday 30 Dec 2026, 12:00 (Berlin). Holidays (BE): Fri 25 and Sat 26 Dec. "Window end" is
the first moment after the 3rd working day following the day of the conversation's last message.

===  ====================================================  ===========================================  ==========
id   case                                                  why                                          reason
===  ====================================================  ===========================================  ==========
c01  anonymous, article A, 👍                                👍 after the article card                     helpful
c02  anonymous, article A, 👎                                anonymous: its return cannot be seen         anonymous
c03  anonymous, no article, CSAT 5 (bot)                   rated >= 4                                   csat_high
c04  anonymous, CSAT 2                                     rated 1-2: never solved                      csat_low
c05  anonymous, greeting only                              no signal                                    anonymous
c06  anonymous, escalation resolved by an agent, CSAT 5    an escalation beats the rating               escalated
c07  signed in (u1), escalation became a ticket            escalation                                   escalated
c08  signed in (u2), article B Mon 21 Dec, no return       Mon+3 wd = Thu 24 -> end Fri 25 00:00, past   no_return
c09  signed in (u3), article C Wed 23 Dec; back Tue 29     Thu 24, (Fri 25, Sat 26 holidays), Mon 28,   returned
     with C (c10, next week)                               Tue 29 -> end Wed 30 00:00: back in time
c11  signed in (u4), article D Wed 23 Dec; back Wed 30     same window, ends Wed 30 00:00: too late     no_return
     09:00 with D (c12, next week)
c13  signed in (u5), article E Tue 22 Dec; back Wed 23     another topic is no return                   no_return
     (c14) and Mon 28 with article F (c24, next week)
c14  signed in (u5), no article (nothing found)            no topic to follow                           no_article
c15  signed in (u6), article G Sun 27 Dec 20:00            Mon 28, Tue 29, Wed 30 -> end Thu 31 00:00 >  window_open
                                                           now
c16  signed in (u7), article H, 👍; back Mon 28 with H     👍 is checked first                          helpful
     (c17, next week)
c18  signed in (u8), article I, CSAT 4                     rated >= 4                                   csat_high
c19  signed in (u9), article J, CSAT 2, no return          rated 1-2: never solved                      csat_low
c20  anonymous, escalation withdrawn                       any escalation                               escalated
c21  older row (signed_in NULL), article K, no return      unknown counts as anonymous                  anonymous
c22  signed in (u10), CSAT 5 on the agent path, resolved   escalation                                   escalated
c23  anonymous, "/affirm" to "Kann ich sonst helfen?"      no article card before: not a 👍             anonymous
     (no article card before it)
===  ====================================================  ===========================================  ==========

Outside the week: c00 (Sun 20 Dec 23:30 Berlin, W51), c10, c12, c17, c24 (W53).

Solved: c01 c03 c08 c11 c13 c16 c18 = 7; escalated: c06 c07 c20 c22 = 4; unclear: c02 c04 c05 c09 c14 c15 c19
c21 c23 = 9; rate 7 / 20 = 0.35. Without holidays (no Bundesland) c09's window ends Tue 29 00:00, so its return at
09:00 comes too late: solved 8, rate 0.4.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from desk.db import conversations, csat_ratings, escalations, messages

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 30, 12, 0, tzinfo=TZ)
WEEK = (date(2026, 12, 21), date(2026, 12, 27))
EXPECTED = {
    "conversations": 20,
    "solved": 7,
    "escalated": 4,
    "unclear": 9,
    "rate": 0.35,
    "reasons": {
        "escalated": 4,
        "helpful": 2,
        "csat_high": 2,
        "csat_low": 2,
        "anonymous": 4,
        "no_article": 1,
        "returned": 1,
        "window_open": 1,
        "no_return": 3,
        "purged": 0,
    },
}
ASK = {"buttons": [{"title": "👍 Ja", "payload": "/affirm"}, {"title": "👎 Nein", "payload": "/deny"}]}


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local time in December 2026."""
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def conversation(
    engine: Engine,
    cid: str,
    user: str,
    signed_in: bool | None,
    when: datetime,
    *,
    article: str | None = None,
    vote: str | None = None,
    score: int | None = None,
    path: str = "bot",
    escalation: str | None = None,
    agent_id: int | None = None,
) -> None:
    """One conversation as the chat stores it: greeting, optionally an article card, the question and a vote."""
    chat: list[tuple[str, str, dict[str, Any]]] = [("user", "Hallo", {}), ("bot", "Guten Tag", {})]
    if article:
        card = {"article": {"slug": article, "title": article.upper(), "url": f"/kb/{article}"}}
        chat += [("user", "Frage", {}), ("bot", "Antwort", card), ("bot", "Hat Ihnen das geholfen?", ASK)]
    if vote:
        chat.append(("user", "👍 Ja" if vote == "/affirm" else "👎 Nein", {"payload": vote}))
    with engine.begin() as conn:
        conn.execute(
            insert(conversations).values(
                id=cid, user_pseudonym=user, language="de", created_at=when, updated_at=when, signed_in=signed_in,
                csat_asked_at=when if score else None, csat_path=path if score else None,
            )
        )  # fmt: skip
        for role, words, data in chat:
            conn.execute(
                insert(messages).values(conversation_id=cid, role=role, text=words, data=data, created_at=when)
            )
        if score:
            conn.execute(
                insert(csat_ratings).values(
                    conversation_id=cid, score=score, resolution_path=path, articles=[article] if article else [],
                    language="de", created_at=when,
                )
            )  # fmt: skip
        if escalation:
            conn.execute(
                insert(escalations).values(
                    conversation_id=cid, user_pseudonym=user, language="de", reason="user_request", status=escalation,
                    details={}, summary=[], intents=[], articles=[], transcript=[], agent_id=agent_id,
                    created_at=when, updated_at=when,
                    claimed_at=when.replace(minute=5) if agent_id else None,
                    closed_at=when.replace(minute=20) if escalation != "waiting" else None,
                )
            )  # fmt: skip


def build(engine: Engine) -> None:
    """The 20 conversations of the week and the 4 around it (see the module docstring)."""
    c = conversation
    c(engine, "c00", "u2", True, at(20, 23, 30), article="b")
    c(engine, "c01", "a1", False, at(21), article="a", vote="/affirm")
    c(engine, "c02", "a2", False, at(21), article="a", vote="/deny")
    c(engine, "c03", "a3", False, at(21), score=5)
    c(engine, "c04", "a4", False, at(22), score=2)
    c(engine, "c05", "a5", False, at(22))
    c(engine, "c06", "a6", False, at(22), score=5, path="agent", escalation="resolved")
    c(engine, "c07", "u1", True, at(22), escalation="ticket")
    c(engine, "c08", "u2", True, at(21), article="b")
    c(engine, "c09", "u3", True, at(23), article="c")
    c(engine, "c10", "u3", True, at(29, 9), article="c")
    c(engine, "c11", "u4", True, at(23), article="d")
    c(engine, "c12", "u4", True, at(30, 9), article="d")
    c(engine, "c13", "u5", True, at(22), article="e")
    c(engine, "c14", "u5", True, at(23))
    c(engine, "c15", "u6", True, at(27, 20), article="g")
    c(engine, "c16", "u7", True, at(24), article="h", vote="/affirm")
    c(engine, "c17", "u7", True, at(28), article="h")
    c(engine, "c18", "u8", True, at(24), article="i", score=4)
    c(engine, "c19", "u9", True, at(24), article="j", score=2)
    c(engine, "c20", "a7", False, at(24), escalation="withdrawn")
    c(engine, "c21", "u11", None, at(23), article="k")
    c(engine, "c22", "u10", True, at(23), score=5, path="agent", escalation="resolved")
    # c23: a yes to a question without an article card before it is not a 👍 for an article.
    c(engine, "c23", "a8", False, at(23))
    with engine.begin() as conn:
        for role, words, data in [
            ("bot", "Kann ich sonst noch helfen?", ASK),
            ("user", "👍 Ja", {"payload": "/affirm"}),
        ]:
            conn.execute(
                insert(messages).values(conversation_id="c23", role=role, text=words, data=data, created_at=at(23))
            )
    c(engine, "c24", "u5", True, at(28), article="f")
