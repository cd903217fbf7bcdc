"""The text exposition format written by hand, and the outcome of a chat turn read from the chat's answer."""

from __future__ import annotations

import pytest

from web.metrics.registry import BUCKETS, Metrics, sample
from web.metrics.turns import OUTCOMES, refused_outcome, turn_outcome


def test_histograms_are_cumulative_and_samples_escaped() -> None:
    metrics = Metrics(OUTCOMES)
    for seconds in (0.001, 0.02, 0.02, 7.0, 100.0):
        metrics.observe_request("chat.post_message", "POST", 200, seconds)
    metrics.observe_request("chat.post_message", "BREW", 418, 0.001)
    lines = metrics.render()
    prefix = 'servicedesk_http_request_duration_seconds_bucket{route="chat.post_message",method="POST",status="2xx",'
    buckets = {line.split('le="')[1].split('"')[0]: line.rsplit(" ", 1)[1] for line in lines if line.startswith(prefix)}
    assert buckets["0.005"] == "1" and buckets["0.025"] == "3" and buckets["10"] == "4" and buckets["+Inf"] == "5"
    assert len(buckets) == len(BUCKETS) + 1
    assert 'servicedesk_http_requests_total{route="chat.post_message",method="other",status="4xx"} 1' in lines
    assert 'servicedesk_http_request_duration_seconds_sum{route="chat.post_message",method="POST",status="2xx"}' in (
        " ".join(lines)
    )
    assert 'servicedesk_chat_turns_total{outcome="with_agent"} 0' in lines
    assert sample("x", {"a": 'say "hi"\\\n'}, 1.5) == 'x{a="say \\"hi\\"\\\\\\n"} 1.5'
    assert sample("x", {}, 3.0) == "x 3"


def bot(**data: object) -> dict:
    return {"id": 1, "role": "bot", "text": "…", "data": data, "created_at": ""}


@pytest.mark.parametrize(
    "reply, outcome",
    [
        ({"messages": [bot(article={"slug": "vpn"}, buttons=[{"payload": "/affirm"}])], "handoff": None}, "answered"),
        (
            {"messages": [bot(buttons=[{"payload": '/choose_article{"article_slug": "a"}'}])], "handoff": None},
            "clarified",
        ),
        (
            {"messages": [bot(buttons=[{"payload": "/request_human"}, {"payload": "/deny"}])], "handoff": None},
            "escalation_offered",
        ),
        ({"messages": [bot()], "handoff": "waiting"}, "with_agent"),
        ({"messages": [], "handoff": "claimed"}, "with_agent"),
        ({"messages": [bot(buttons=[{"payload": "/affirm"}])], "handoff": None}, "other"),
        ({"messages": [], "handoff": None}, "other"),
    ],
)
def test_turn_outcomes(reply, outcome) -> None:
    assert turn_outcome(reply) == outcome


def test_refusals() -> None:
    assert refused_outcome(400) == "refused" and refused_outcome(409) == "refused"
    assert refused_outcome(502) == "upstream_error"
