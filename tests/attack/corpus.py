"""The hand-written bad inputs of the attack suite, by category, and where each is bad.

A value is only sent where it is wrong for the field (a SQL-ish string is a fine chat message, but not a
user name, a slug, a date or a number), so every case must be refused with a 4xx. ``KINDS`` says which
categories are wrong for which kind of field.
"""

from __future__ import annotations

import json
from typing import Any

from knowledge.text_policy import LIMITS

UNICODE_INVALID = [
    "\ud800\ud800",
    "Drucker \udbff\udbff",
    "\U0001ffff",
    "\U000efffe",
    "\U000ffffe",
    "\U0010fffe",
    "\ufdd1",
    "\ufde0",
    "\udd1e\ud834",
    "\ud800",
    "\udfff",
    "a\ud83d",
    "\ud83da",
    "\udc00\ud800",
    "x\udbff",
    "\ufffe",
    "\uffff",
    "a\U0001fffeb",
    "\U0010ffff",
    "\ufdd0",
    "\ufdef",
    "Beamer \ufdd5",
]
CONTROL = [f"a{chr(c)}b" for c in range(0x20) if chr(c) not in "\t\n\r"] + [f"a{chr(c)}b" for c in range(0x7F, 0xA0)]
LINE_SEPARATORS = ["a\u2028b", "a\u2029b", "\u2028", "Titel\u2029", "a\u2028\u2028b", "\u2029x"]
NEWLINES = ["zwei\nZeilen", "a\rb", "a\tb", "\n", "x\r\ny"]
BIDI = ["adm\u202ein", "\u202etxt.exe", "a\u202db", "a\u202ab", "a\u202bb", "a\u202cb", "a\u2066b", "a\u2067b"]
BIDI += ["a\u2068b", "a\u2069b", "\u202e\u2066x\u2069", "Team\u202e Desk", "\u202d\u202e", "gnp.\u202eexe"]
ZERO_WIDTH_EMOJI = ["ad\u200bmin", "a\u200cb", "a\u200db", "a\u2060b", "\ufeffadmin", "😀", "admin😀", "👨‍👩‍👧"]
ZERO_WIDTH_EMOJI += ["ａｄｍｉｎ", "a\u0301", "İ", "аdmin", "ad\u00admin", "admin\u180e", "🏳️‍🌈", "a\u034fb", "\u3164"]
ZERO_WIDTH_EMOJI += ["a\u200eb", "a\u200fb", "a\u2061b", "a\ufe0fb"]
SQL = [
    "' OR '1'='1",
    "admin'--",
    "admin' #",
    "1; DROP TABLE users",
    '" OR ""="',
    "1 UNION SELECT password_hash FROM users",
    "%' AND 1=0 --",
    "'); DELETE FROM articles; --",
    "1' AND SLEEP(5)--",
    "' OR 1=1 LIMIT 1 OFFSET 1 --",
    "\\'; SELECT * FROM sessions; --",
    "a' || (SELECT token_hash FROM sessions) || '",
    "$ne",
    '{"$gt": ""}',
    "1e3 OR 1=1",
    "admin' AND '1'='1",
    "' OR ''='",
    "1) OR (1=1",
    "'; EXEC xp_cmdshell('dir'); --",
    "' UNION SELECT NULL, NULL --",
    "1 AND (SELECT COUNT(*) FROM users) > 0",
    "'||pg_sleep(5)--",
    "' AND extractvalue(1, concat(0x7e, version())) --",
    "admin\\' --",
    "%27%20OR%201%3D1",
    "1;SELECT load_extension('x')",
    "' OR randomblob(1000000000) --",
    "ATTACH DATABASE '/tmp/x.db' AS x; --",
    "') OR ('a'='a",
    "admin'/*",
    "' OR 'x'='x' /*",
    "1' ORDER BY 1--",
    "' GROUP BY password_hash HAVING 1=1--",
    "'; UPDATE users SET roles='admin'; --",
    "' AND 1=CAST((SELECT username FROM users) AS INT)--",
    "0 OR 1=1",
    "') UNION SELECT * FROM article_versions --",
    "'--",
    '"; DROP TABLE sessions; --',
    "admin' OR 1=1#",
]
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "';alert(String.fromCharCode(88,83,83))//",
    "<iframe src=//evil.example>",
    "{{7*7}}",
    "${7*7}",
    "<a href='//evil.example'>x</a>",
    "&lt;script&gt;",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"onmouseover="alert(1)',
    "<scr<script>ipt>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "<object data=javascript:alert(1)>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=//evil.example>",
    "<link rel=import href=//evil.example>",
    "[x](javascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    '<img src="x" onerror="alert(document.cookie)">',
    "<svg><script>alert(1)</script>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<style>@import 'javascript:alert(1)'</style>",
    "'-alert(1)-'",
    "</textarea><script>alert(1)</script>",
]
TRAVERSAL = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "....//....//etc",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "..%00/",
    "%252e%252e%252f",
    "..;/",
    "~root",
    "file:///etc/passwd",
    "\\\\server\\share",
    "../" * 20 + "etc/shadow",
    "..%c0%af..%c0%afetc",
    "..%5c..%5cweb%5capp.py",
    "%2e%2e%5c%2e%2e%5c",
    "/proc/self/environ",
    "../var/secret.key",
    "../../var/servicedesk.db",
    "%2F%2Fevil.example",
    "//evil.example",
    "/\\evil.example",
    "..%252f..%252f",
    "static/../../",
    ".git/config",
    "....\\....\\",
]
HUGE = ["x" * 10_001, "x" * 100_001, "ü" * 250_000, "x" * 1_500_000]
INTEGERS = [2**63, -(2**63) - 1, 2**64, 10**30, -(10**30), 1.5, -1, 0, True, False]
INTEGERS += ["1", "١", "²", "0x10", " 1", "1e3", 1e300, -1e300]
INTEGERS += ["NaN", "Infinity", "+1", "1_000", "0b1", "١٢", 9.999e18, 1.0, "1 ", "9223372036854775808"]
DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01", "2026-02-30", "2026-13-01", "26-01-01"]
DATES += ["2026/01/01", "heute", "2026-01-01T00:00:00", "+2026-01-01", "２０２６-01-01", "2026-W01", "01.12.2026"]
DATES += ["20260101", "2026-W01-1", "2026-1-1", " 2026-01-01", "2026-01-01 ", "-2026-01-01", "10000-01-01"]
DATES += ["2026-00-10", "2026-12-00", "2026-02-29", "1970-01-01", "2026-01-01Z", "2026-01-0١"]
TYPES: list[Any] = [None, True, 0, 1.5, [], {}, ["a"], {"a": 1}, [[[]]], [None]]
TYPES += [0.0, -1, 10**20, {"": ""}, [1, 2], False]

CATEGORIES: dict[str, list[Any]] = {
    "unicode (surrogates, non-characters)": UNICODE_INVALID,
    "control characters (C0, DEL, C1)": CONTROL,
    "line separators": LINE_SEPARATORS,
    "newlines in single-line fields": NEWLINES,
    "bidi overrides (RTL)": BIDI,
    "zero-width, emoji, look-alikes": ZERO_WIDTH_EMOJI,
    "sql-ish": SQL,
    "xss": XSS,
    "path traversal": TRAVERSAL,
    "over-long": HUGE,
    "integers (64 bit, types)": INTEGERS,
    "dates (range, format)": DATES,
    "wrong JSON types": TYPES,
}

# Which categories are wrong for which kind of field.
ALWAYS = ["unicode (surrogates, non-characters)", "control characters (C0, DEL, C1)", "line separators"]
IDENTIFIER = [*ALWAYS, "newlines in single-line fields", "bidi overrides (RTL)", "zero-width, emoji, look-alikes"]
IDENTIFIER += ["sql-ish", "xss", "path traversal", "over-long"]
KINDS: dict[str, list[str]] = {
    "text": [*ALWAYS, "over-long", "wrong JSON types"],  # free text: anything printable is a fine message
    "line": [*ALWAYS, "newlines in single-line fields", "over-long", "wrong JSON types"],
    "name": [*ALWAYS, "newlines in single-line fields", "bidi overrides (RTL)", "over-long", "wrong JSON types"],
    "identifier": [*IDENTIFIER, "wrong JSON types"],  # user names, slugs, languages, roles
    "login": [*IDENTIFIER, "integers (64 bit, types)", "wrong JSON types"],  # any name not an account: 4xx
    "secret": [*ALWAYS, "over-long", "wrong JSON types"],
    "integer": ["integers (64 bit, types)", "sql-ish", "xss", "path traversal", "dates (range, format)"],
    "date": [*IDENTIFIER, "integers (64 bit, types)"],
}
LANGUAGE_CODES = {"de", "en"}


def bad_values(kind: str) -> list[tuple[str, Any]]:
    """Every (category, value) that is wrong for a field of ``kind``."""
    out = []
    for category in KINDS[kind]:
        for value in CATEGORIES[category]:
            if kind == "integer" and category == "integers (64 bit, types)" and value is False:
                continue  # False is 0: the one "wrong" integer already in the list as 0
            out.append((category, value))
    return out


def over_limit(field: str) -> str:
    """One character over the field's limit."""
    return "x" * (LIMITS[field] + 1)


# Raw bodies sent to every JSON endpoint: (category, body bytes, content type).
RAW: list[tuple[str, bytes, str]] = [
    ("invalid UTF-8", b"\xff\xfe{}", "application/json"),
    ("invalid UTF-8", b'{"text": "\xc3\x28"}', "application/json"),
    ("invalid UTF-8", b'{"text": "\xc0\xaf"}', "application/json"),
    ("invalid UTF-8", b'{"text": "\xed\xa0\x80"}', "application/json"),  # a surrogate encoded as UTF-8
    ("invalid UTF-8", b'{"text": "\xf8\x88\x80\x80\x80"}', "application/json"),
    ("invalid UTF-8", '{"text": "Hallo"}'.encode("utf-16"), "application/json"),
    ("invalid JSON", b"{", "application/json"),
    ("invalid JSON", b"{'text': 'x'}", "application/json"),
    ("invalid JSON", b'{"text": NaN}', "application/json"),
    ("invalid JSON", b'{"text": Infinity}', "application/json"),
    ("invalid JSON", b'{"n": 1e400}', "application/json"),
    ("invalid JSON", b'{"text": "x",}', "application/json"),
    ("invalid JSON", b"\xef\xbb\xbf{}", "application/json"),
    ("invalid JSON", b'{"text": "x"} trailing', "application/json"),
    ("not an object", b"[]", "application/json"),
    ("not an object", b'"text"', "application/json"),
    ("not an object", b"123", "application/json"),
    ("not an object", b"null", "application/json"),
    ("not JSON content", b'{"text": "x"}', "text/plain"),
    ("not JSON content", b"text=x", "application/x-www-form-urlencoded"),
    ("json depth", ("[" * 9 + "]" * 9).encode(), "application/json"),
    ("json depth", ('{"a":' * 9 + "1" + "}" * 9).encode(), "application/json"),
    ("json depth", ("[" * 1000 + "]" * 1000).encode(), "application/json"),
    ("json depth", ("[" * 100_000 + "]" * 100_000).encode(), "application/json"),
    ("json depth", ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(), "application/json"),
    ("huge body", json.dumps({"text": "x" * (2 * 1024 * 1024 + 1)}).encode(), "application/json"),
    ("huge body", b'{"a": "' + b"y" * (3 * 1024 * 1024) + b'"}', "application/json"),
    ("invalid JSON", b'{"text": "\x00"}', "application/json"),
    ("invalid JSON", b"\x00{}", "application/json"),
    ("invalid JSON", b" ", "application/json"),
    ("invalid JSON", b'{"a": 1', "application/json"),
    ("unicode escapes", b'{"text": "x", "text": "\\ud800"}', "application/json"),
    ("unicode escapes", b'{"text": "\\uD800"}', "application/json"),
    ("unicode escapes", b'{"text": "\\ud800\\u0041"}', "application/json"),
    ("unicode escapes", b'{"text": "a\\u0000b"}', "application/json"),
    ("numbers", b'{"n": 123456789012345678901234567890}', "application/json"),
    ("numbers", b'{"n": -1e999}', "application/json"),
]

WEBSOCKET_FRAMES: list[str] = [
    '{"session": "x", "after": "²"}',
    '{"session": "x", "after": "5"}',
    '{"session": "x", "after": 1e30}',
    '{"session": "x", "after": 1.5}',
    '{"session": "x", "after": -1}',
    '{"session": "x", "after": ' + str(2**63) + "}",
    '{"session": "x", "after": true}',
    '{"session": 5, "after": 0}',
    '{"session": "' + "x" * 5000 + '", "after": 0}',
    '{"session": "\\ud800", "after": 0}',
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50 + "1" + "}" * 50,
    "kein json",
    "[1, 2]",
    "null",
    '"session"',
    "{" + "x" * 9000 + "}",
    '{"session": "x", "after": [1]}',
    '{"session": "x", "after": {"a": 1}}',
    '{"session": "x", "after": "0x10"}',
    '{"session": "x", "after": NaN}',
    '{"session": "x\\u0000", "after": 0}',
    '{"session": null, "after": -5}',
    '{"session": "x", "after": 0.0}',
    "\ufeff{}",
]


def count() -> int:
    """How many hand-written inputs the corpus holds (field values, raw bodies, WebSocket frames)."""
    return sum(len(v) for v in CATEGORIES.values()) + len(RAW) + len(WEBSOCKET_FRAMES)
