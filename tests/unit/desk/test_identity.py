"""Intranet identity tokens and chat sessions are PyJWT tokens: the library's edge cases, one by one."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import jwt
import pytest

from desk.identity import (
    ChatSession,
    IdentityError,
    employee,
    issue_session,
    make_identity,
    new_anonymous,
    read_session,
    verify_identity,
)

KEY = b"intranet-shared-key-of-32-bytes!"
SECRET = b"installation-secret-for-the-unit-tests"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_valid_token_names_the_employee_and_its_expiry() -> None:
    token = make_identity("m.mueller", KEY, ttl_s=600)
    person = verify_identity(token, KEY)
    assert person.sub == "m.mueller" and abs(person.exp - (time.time() + 600)) < 5


@pytest.mark.parametrize(
    "token, why",  # tokens made when the test runs: the times in them are relative to now
    [
        (lambda: make_identity("m.mueller", b"another-key-that-is-32-bytes-lon"), "InvalidSignatureError"),
        (lambda: make_identity("m.mueller", KEY, ttl_s=-120), "ExpiredSignatureError"),  # beyond the 60 s leeway
        (lambda: make_identity("m.mueller", KEY, nbf=int(time.time()) + 600), "ImmatureSignatureError"),
        (
            lambda: make_identity("m.mueller", KEY, at=time.time() + 600),
            "ImmatureSignatureError",
        ),  # issued in the future
        (lambda: jwt.encode({"sub": "m.mueller"}, KEY, algorithm="HS256"), "MissingRequiredClaimError"),  # no exp
        (
            lambda: jwt.encode({"exp": int(time.time()) + 60}, KEY, algorithm="HS256"),
            "MissingRequiredClaimError",
        ),  # no sub
        (
            lambda: jwt.encode({"sub": "x", "exp": int(time.time()) + 60}, KEY * 2, algorithm="HS512"),
            "InvalidAlgorithmError",
        ),
        (
            lambda: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': 'x', 'exp': 9_999_999_999})}.",
            "InvalidAlgorithmError",
        ),
        (lambda: "x.y", "DecodeError"),
        (lambda: "", "DecodeError"),
    ],
)
def test_bad_tokens_are_refused(token: Callable[[], str], why: str) -> None:
    with pytest.raises(IdentityError, match=why):
        verify_identity(token(), KEY)


def test_a_tampered_payload_breaks_the_signature() -> None:
    head, _, sig = make_identity("m.mueller", KEY).split(".")
    forged = f"{head}.{b64({'sub': 'admin', 'exp': int(time.time()) + 600})}.{sig}"
    with pytest.raises(IdentityError, match="InvalidSignatureError"):
        verify_identity(forged, KEY)


def test_a_small_clock_difference_is_tolerated_by_the_leeway() -> None:
    late = make_identity("m.mueller", KEY, ttl_s=-30)  # expired 30 s ago: within the default 60 s
    assert verify_identity(late, KEY).sub == "m.mueller"
    with pytest.raises(IdentityError, match="ExpiredSignatureError"):
        verify_identity(late, KEY, leeway_s=0)


def test_audience_and_issuer_are_checked_when_configured() -> None:
    token = make_identity("m.mueller", KEY, aud="servicedesk", iss="https://intranet.stadt.example")
    good = verify_identity(token, KEY, audience="servicedesk", issuer="https://intranet.stadt.example")
    assert good.sub == "m.mueller"
    with pytest.raises(IdentityError, match="InvalidAudienceError"):
        verify_identity(token, KEY, audience="another-app")
    with pytest.raises(IdentityError, match="InvalidIssuerError"):
        verify_identity(token, KEY, issuer="https://evil.example")
    with pytest.raises(IdentityError, match="MissingRequiredClaimError|InvalidAudienceError"):
        verify_identity(make_identity("m.mueller", KEY), KEY, audience="servicedesk")  # no aud at all


def test_without_a_configured_key_nobody_is_signed_in() -> None:
    with pytest.raises(IdentityError, match="no identity key"):
        verify_identity(make_identity("m.mueller", KEY), b"")


def test_chat_sessions_round_trip_and_refuse_anything_else() -> None:
    person = employee(SECRET, "m.mueller")
    assert person == employee(SECRET, "m.mueller") and "m.mueller" not in person.subject
    token = issue_session(SECRET, person, ttl_s=60)
    assert read_session(SECRET, token) == person and "m.mueller" not in token
    assert read_session(b"other-installation", token) is None  # another secret
    assert read_session(SECRET, issue_session(SECRET, person, ttl_s=-5)) is None  # expired
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert read_session(SECRET, f"{head}.{b64({**claims, 'k': 'a'})}.{sig}") is None  # kind changed: tampered
    assert read_session(SECRET, f"{b64({'alg': 'none'})}.{body}.") is None  # alg none
    # An identity token is not a chat session, even with the right key material.
    assert read_session(SECRET, make_identity("m.mueller", KEY)) is None
    assert read_session(SECRET, "x" * 2000) is None and read_session(SECRET, None) is None


def test_anonymous_sessions_get_a_keyed_pseudonym() -> None:
    anon = new_anonymous()
    assert anon.kind == "a" and read_session(SECRET, issue_session(SECRET, anon, 60)) == anon
    assert ChatSession("a", "abc").user(SECRET) != "abc"
    person = employee(SECRET, "m.mueller")
    assert person.user(SECRET) == person.subject
