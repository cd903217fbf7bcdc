"""``SERVICEDESK_SURGE_*``: when many similar questions in a short time become a surge in the console (issue 13)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from settings.base import Part


class Surges(Part):
    """The sliding window, the threshold and the similarities of the surge detection (``desk/surges.py``)."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_SURGE_")

    # The window over the employees' latest free-text messages.
    window_minutes: int = Field(default=10, ge=1, le=240)
    # A group of similar messages becomes a surge with this many messages from this many distinct conversations.
    min_messages: int = Field(default=15, ge=2, le=100_000)
    min_conversations: int = Field(default=10, ge=1, le=100_000)
    # How often the detection runs (one web service instance at a time, by a lease in the database).
    interval_s: int = Field(default=30, ge=1, le=3600)
    # Cosine (multilingual-e5-small queries) from which two messages say the same; measured on 20 phrasings of one
    # outage against nearby IT questions: the phrasings stay together from 0.90 to 0.915, other topics join below.
    similarity: float = Field(default=0.91, ge=0.5, le=0.999)
    # A surge whose centre is this close to an active incident's title and symptoms is that incident (unrelated
    # incidents measured at <= 0.88, the right one at >= 0.96).
    incident_similarity: float = Field(default=0.92, ge=0.5, le=0.999)
