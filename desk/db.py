"""The records database: one schema for SQLite (embedded default) and PostgreSQL (several instances).

Every process (web service, action server, a second instance on another machine) works on the same
tables; nothing about a conversation, an escalation or a ticket lives only in a process.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from desk.notify import COUNTER, notify

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),  # the Rasa sender id
    Column("user_pseudonym", String(64), nullable=False),
    Column("language", String(8), nullable=False, default="de"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # "Neues Gespräch" ends it; the user's next message starts a new conversation (and a new Rasa tracker).
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # The closing question: asked once per conversation, with the resolution path known at that moment.
    Column("csat_asked_at", DateTime(timezone=True), nullable=True),
    Column("csat_path", String(16), nullable=True),
    # A signed-in employee (intranet identity) rather than an anonymous browser; NULL before it was recorded.
    # Only a signed-in employee's return about the same topic can be seen (the weekly report's self-service rule).
    Column("signed_in", Boolean, nullable=True),
    Index("ix_conversations_user", "user_pseudonym", "created_at"),
)

# Everything the employee sees in the chat, in order; ``id`` is the sequence clients resume from.
messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),  # user | bot | agent | system
    Column("text", Text, nullable=False, default=""),
    Column("data", JSON, nullable=False, default=dict),  # buttons, article card, agent display name
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_messages_conversation", "conversation_id", "id"),
    Index("ix_messages_created", "created_at"),  # the surge window and the purge read by time
    # Never reuse an id after a purge or an erase: pollers and clients resume from the highest id they saw.
    sqlite_autoincrement=True,
)

# Screenshots an employee attached (issue 18): only the re-encoded pixels (no metadata) and the redacted OCR text.
# They follow the messages' retention and go with the user message that carries them (``message_id``).
attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False),
    Column("message_id", Integer, nullable=True),
    Column("media_type", String(16), nullable=False),  # image/png | image/jpeg
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("ocr_text", Text, nullable=False, default=""),
    Column("ocr_status", String(16), nullable=False),  # web.chat.ocr.STATUSES
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_attachments_conversation", "conversation_id", "id"),
    sqlite_autoincrement=True,
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False),
    Column("user_pseudonym", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("details", JSON, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("intents", JSON, nullable=False),
    Column("articles", JSON, nullable=False),
    Column("transcript", JSON, nullable=False),
    Column("agent_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("agent_name", String(120), nullable=True),
    Column("ticket_number", String(64), nullable=True),
    Column("ticket_sink", String(16), nullable=True),
    # A ticket creation in progress (lease): nobody else starts one for this escalation until it expires.
    Column("ticket_attempt_at", DateTime(timezone=True), nullable=True),
    # The bot still has to be resumed (and told, e.g. EXTERNAL_agent_resolved) after the handoff ended.
    Column("bot_wake", String(40), nullable=True),
    # The conversation's messages that belong to the handoff: id in (messages_from, messages_until].
    Column("messages_from", Integer, nullable=True, default=0),
    Column("messages_until", Integer, nullable=True),
    # The major incident this escalation was asked for under (issue 13): "betroffen: N weitere Personen".
    Column("incident_id", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_escalations_status", "status", "created_at"),
    Index("ix_escalations_conversation", "conversation_id"),
    Index("ix_escalations_incident", "incident_id"),
    sqlite_autoincrement=True,  # audit rows and tickets name escalations by id, also after a purge
)

# The team's text blocks for replies (role lead writes, agents read): {name}, {ticket} and {agent} are filled in when
# an agent inserts one (desk/canned.py). No employee data: the blocks are the desk's own words.
canned_replies = Table(
    "canned_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(120), nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("updated_by", String(80), nullable=False),  # staff username of the last change
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Staff-only notes on an escalation (desk/notes.py): never a message, never in the chat, the ticket or Rasa. Deleted
# with their escalation (the purge, an erase); no foreign key, so rebuilding ``escalations`` never cascades.
escalation_notes = Table(
    "escalation_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", Integer, nullable=False),
    Column("author_id", Integer, nullable=True),
    Column("author_name", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_escalation_notes_escalation", "escalation_id", "id"),
)

# The local ticket register: the built-in store (sink "sql") keeps its tickets here; the Zammad and e-mail
# sinks keep a reference to what they created, so the chat and the console can find them again.
tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("sink", String(16), nullable=False),
    Column("external_id", String(64), nullable=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | in_progress | closed | forwarded
    Column("customer", String(200), nullable=False),
    Column("escalation_id", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # A structured request's ticket (issue 19): its kind and fields ({name: {"label", "value"}}), whatever sink.
    Column("request_kind", String(32), nullable=True),
    Column("fields", JSON, nullable=True),
    sqlite_autoincrement=True,  # a ticket number once given is never given again
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("roles", String(120), nullable=False),  # comma-separated: agent, editor, lead, admin
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # NULL: a local account; "directory": signed in with the directory, roles from its groups, no local password.
    Column("source", String(16), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value, never the value
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# One-click CSAT: anonymous by design (no user id next to the score; the works council will ask).
csat_ratings = Table(
    "csat_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, unique=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=True),
    Column("resolution_path", String(16), nullable=False),  # desk.csat.PATHS
    Column("articles", JSON, nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# "Hat Ihnen das geholfen?" per article shown (no user, no conversation).
article_feedback = Table(
    "article_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(120), nullable=False, index=True),
    Column("helpful", Boolean, nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Failed staff logins (hashed username, keyed hash of the client address, time), for throttling across instances.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username_hash", String(64), nullable=False, index=True),
    Column("client_hash", String(64), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Knowledge articles: the source of truth at run time (knowledge/articles/*.md is seed and export format).
# ``source`` is the current version as a Markdown file without the status line; ``revision`` is the value of
# the "knowledge" counter when a change that matters to search was made, so every searching process can
# fetch exactly what changed since it last looked.
articles = Table(
    "articles",
    metadata,
    Column("slug", String(80), primary_key=True),
    Column("status", String(16), nullable=False),  # draft | published | retired
    Column("version", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("title", String(300), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("review_due", Date, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(120), nullable=False),
    Index("ix_articles_revision", "revision"),
)

# Every save of an article: who, when, what changed, and the full text (restore and diff read it).
article_versions = Table(
    "article_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("author", String(120), nullable=False),
    Column("change", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("slug", "version", name="uq_article_versions_slug_version"),
)

# Publish / retire / restore / create / import, for the audit trail.
article_audit = Table(
    "article_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Chunk vectors of an article's content, embedded once by the process that saved it, so every other
# searching process applies an edit without embedding it again. Keyed by content hash and model.
article_vectors = Table(
    "article_vectors",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("chunk_ids", JSON, nullable=False),
    Column("vectors", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# An article shown as the chat's answer (no user, no conversation): the editor's "how often shown".
article_shown = Table(
    "article_shown",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Questions the knowledge base could not answer, PII-redacted, for the editors' gap queue. ``dedupe`` is a
# keyed hash of conversation + question (one entry per question and conversation, no conversation id kept);
# ``vector`` is the question's embedding (float32 bytes), so clustering never has to embed again.
knowledge_gaps = Table(
    "knowledge_gaps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("reason", String(16), nullable=False),  # none | clarify | not_helpful | no_answer
    Column("language", String(8), nullable=False),
    Column("dedupe", String(64), nullable=False, unique=True),
    Column("vector", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("dismissed_at", DateTime(timezone=True), nullable=True),
    Column("article", String(80), nullable=True),  # the article rated "nicht geholfen" (reason not_helpful)
    Column("added_to", String(80), nullable=True),  # the article that took the question as an example question
    Index("ix_knowledge_gaps_open", "dismissed_at", "created_at"),
)

# What remains of purged records (desk/retention.py): anonymous counts per day in the desk's time zone, written
# in the transaction that deletes the rows, so live rows + these counts give the same figures before and after a
# purge. ``metric``: conversations | escalations (dimension: reason) | tickets (dimension: sink) | csat_asked
# (dimension: path) | csat_rated (dimension: path, with score and the ISO week of the rating). No ids, no text.
daily_counts = Table(
    "daily_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("dimension", String(32), nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("score", Integer, nullable=False, default=0),
    Column("week", String(8), nullable=False, default=""),
    Column("count", Integer, nullable=False),
    UniqueConstraint("day", "metric", "dimension", "language", "score", "week", name="uq_daily_counts_key"),
)

# Leases for jobs one instance runs at a time (the purge): taken by a conditional UPDATE, held until expires_at.
leases = Table(
    "leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# How often a background job (the purge) ran, failed, and when it last succeeded: for /metrics, the same figures
# from every instance. No content.
job_runs = Table(
    "job_runs",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_success_at", DateTime(timezone=True), nullable=True),
    Column("last_failure_at", DateTime(timezone=True), nullable=True),
)

# Who (staff account) opened which escalation, its live messages or the ticket list, and when: for the data-
# protection officer, readable by admins only, deleted after SERVICEDESK_RETENTION_AUDIT_DAYS. No content.
access_audit = Table(
    "access_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("staff_id", Integer, nullable=True),
    Column("staff_username", String(80), nullable=False),
    Column("view", String(16), nullable=False),  # desk.access_audit.VIEWS
    Column("escalation_id", Integer, nullable=True),
    Index("ix_access_audit_at", "at"),
)

# Data-subject requests (export, erase): who asked for which kind, when, and how many records were involved;
# never the pseudonym, the conversation or any content.
subject_requests = Table(
    "subject_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),  # staff username, or "cli:<login>" for the command line
    Column("kind", String(16), nullable=False),  # export | erase
    Column("given", String(16), nullable=False),  # user_id | conversation
    Column("counts", JSON, nullable=False),
)

# Major incidents (issue 13): declared by agents, shown to employees once a lead publishes them. ``published``
# is the snapshot employees see (title, symptoms, status text, workaround, services); edits after it wait for the
# next publish. ``revision`` grows with every publish, status update and resolution (subscribers' progress).
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("symptoms", Text, nullable=False),
    Column("services", JSON, nullable=False, default=list),
    Column("status_text", Text, nullable=False),
    Column("workaround", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),  # draft | active | resolved
    Column("next_update_at", DateTime(timezone=True), nullable=True),
    Column("revision", Integer, nullable=False, default=0),
    Column("published", JSON, nullable=True),
    Column("published_by", Integer, nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Integer, nullable=True),
    Column("updated_by", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Index("ix_incidents_status", "status", "id"),
    sqlite_autoincrement=True,
)

# An incident's history and the publish audit: every publish, status update and resolution, who and what text.
incident_updates = Table(
    "incident_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # publish | update | resolve
    Column("text", Text, nullable=False),
    Column("next_update_at", DateTime(timezone=True), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("by_id", Integer, nullable=True),
    Column("by_username", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_incident_updates_incident", "incident_id", "id"),
    sqlite_autoincrement=True,
)

# Conversations that asked to be told when an incident changes ("Benachrichtigen Sie mich"): pseudonymous through
# the conversation. ``notified_revision``: the incident revision last delivered into it (a retry posts nothing).
incident_subscriptions = Table(
    "incident_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("notified_revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("incident_id", "conversation_id", name="uq_incident_subscriptions"),
    Index("ix_incident_subscriptions_conversation", "conversation_id"),
    sqlite_autoincrement=True,
)

# Conversations the chat answered with an incident (pseudonymous through the conversation), one row per pair:
# ``choice`` is what the employee did last (shown | subscribe | other | escalate), ``messages`` how many of its
# messages matched. The counters of the console and the insights per incident and week come from here.
incident_matches = Table(
    "incident_matches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("choice", String(16), nullable=False),
    Column("messages", Integer, nullable=False, default=1),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("incident_id", "conversation_id", name="uq_incident_matches"),
    Index("ix_incident_matches_at", "at"),
    sqlite_autoincrement=True,
)

# Surges (issue 13): a group of similar employee messages of the last minutes that no active incident explains, for
# the console's banner "Viele ähnliche Anfragen". ``examples``: a few of the messages as stored (redacted); no
# conversation id, only how many. ``centroid`` (float32 bytes) finds the same group again in later runs, so a
# dismissed one stays dismissed. ``status``: open | ended (fell below the threshold) | dismissed | incident.
incident_surges = Table(
    "incident_surges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),
    Column("centroid", LargeBinary, nullable=False),
    Column("label", String(200), nullable=False),
    Column("examples", JSON, nullable=False, default=list),
    Column("messages", Integer, nullable=False),
    Column("conversations", Integer, nullable=False),
    Column("trend", JSON, nullable=False, default=dict),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("dismissed_at", DateTime(timezone=True), nullable=True),
    Column("dismissed_by", String(80), nullable=True),
    Column("incident_id", Integer, nullable=True),
    Index("ix_incident_surges_status", "status", "last_seen"),
    sqlite_autoincrement=True,
)

# Account unlock in the chat (issue 19): one row per code sent (or pretended: an unknown name gets a row without a
# code, so both behave alike). Keyed by the conversation; never by anything the chat client or Rasa sends. Only a
# keyed hash of the code; the account name only while the code is open (cleared when it is finished).
unlock_challenges = Table(
    "unlock_challenges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False),
    Column("account", String(80), nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("tries", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False),  # desk.unlock_records.STATES
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_unlock_challenges_conversation", "conversation_id", "id"),
    sqlite_autoincrement=True,
)

# Code requests of the last hour for the rate limits (per name, per client address, in total): hashes only.
unlock_requests = Table(
    "unlock_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("name_hash", String(64), nullable=False),
    Column("client_hash", String(64), nullable=False),
    Index("ix_unlock_requests_at", "at"),
)

# Every step of an unlock: when, which conversation (pseudonymous), which step and its result; the account name
# only where it exists in the directory (never a typed name that does not, never the code, never a password).
unlock_audit = Table(
    "unlock_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("user_pseudonym", String(64), nullable=True),
    Column("step", String(16), nullable=False),  # start | verify
    Column("result", String(24), nullable=False),  # desk.unlock_records.RESULTS
    Column("account", String(80), nullable=True),
    Index("ix_unlock_audit_at", "at"),
    sqlite_autoincrement=True,
)

# Structured requests (issue 19): the catalogue kind and the employee's answers, pseudonymous through the user id
# and the conversation. ``approver``: the intranet identity the catalogue named when it was submitted;
# ``approval_nonce``: the SHA-256 of the one approval link's nonce, cleared by the decision (a link works once).
service_requests = Table(
    "service_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("kind", String(32), nullable=False),
    Column("fields", JSON, nullable=False, default=dict),
    Column("status", String(20), nullable=False),  # desk.requests.records.STATUSES
    Column("user_pseudonym", String(64), nullable=False),
    Column("conversation_id", String(64), nullable=True),
    Column("language", String(8), nullable=False),
    Column("approver", String(200), nullable=True),
    Column("approval_nonce", String(64), nullable=True),
    Column("approval_expires_at", DateTime(timezone=True), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("ticket_number", String(64), nullable=True),
    Column("ticket_sink", String(16), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_service_requests_user", "user_pseudonym", "id"),
    sqlite_autoincrement=True,
)

# Monotonic counters that every instance polls to learn that something changed (queue, messages).
counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)
COUNTER_NAMES = ("escalations", "knowledge", "incidents")  # rows created by the migrations


def now() -> datetime:
    """Timezone-aware UTC now; all timestamps are stored in UTC."""
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """A stored non-null timestamp as an aware UTC datetime."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web service read while the action server writes; wait instead of failing on a lock.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def private_dir(path: Path) -> None:
    """The service's own var folder: created if missing, and only this user may enter it (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def private_sqlite_file(path: Path) -> None:
    """Make the database file readable by this user only (0600) before SQLite opens it.

    SQLite creates the WAL and shared-memory files with the database file's mode, so they are 0600 too. A
    folder created here is 0700; an existing one is left as it is (it may be shared, like /tmp).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):  # left by an older version with the default mode
        if path.with_name(path.name + suffix).exists():
            os.chmod(path.with_name(path.name + suffix), 0o600)


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so several processes can share it.

    ``pool_size``: a server database's connections kept open by this process (as many again on bursts).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            private_sqlite_file(Path(path))
        # hide_parameters: errors must not carry messages or contact details into the logs.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True)


def add_missing_columns(engine: Engine) -> None:
    """Columns added before migrations existed (all nullable): an old database gets them in place."""
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable:
                kind = column.type.compile(dialect=engine.dialect)
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


def init_schema(engine: Engine) -> None:
    """Migrate the database to the newest revision; safe when two processes start at once."""
    from desk.migrate import upgrade  # noqa: PLC0415 - Alembic is loaded only by processes that open the records

    for attempt in range(8):
        try:
            upgrade(engine)
            return
        except (OperationalError, IntegrityError):
            # Another process is creating the same tables right now (SQLite): wait for it and look again.
            if attempt == 7:
                raise
            time.sleep(0.25 * (attempt + 1))


def bump(conn: Any, name: str) -> int:
    """Increment a change counter inside the caller's transaction; returns the new value.

    The UPDATE takes the row's write lock, so transactions that bump one counter commit in counter order (also on
    PostgreSQL: a second writer waits for the first to commit, then adds to its value). On PostgreSQL the listeners
    are told at commit (desk/notify.py).
    """
    conn.execute(update(counters).where(counters.c.name == name).values(value=counters.c.value + 1))
    notify(conn, COUNTER, name)
    return int(conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one())


def counter(conn: Any, name: str) -> int:
    """The current value of a change counter."""
    return int(conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one())


def open_db(url: str, pool_size: int = 10) -> Engine:
    """Engine with the schema in place."""
    engine = make_engine(url, pool_size)
    init_schema(engine)
    return engine


def new_id(result: Any) -> int:
    """The primary key an INSERT produced."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise RuntimeError("insert produced no primary key")
    return int(key[0])
