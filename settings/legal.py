"""Who answers for the assistant: the controller and the accessibility statement's contact, date and body.

Shown to employees in the widget's privacy notice and on ``/datenschutz`` and ``/barrierefreiheit``.
"""

from __future__ import annotations

from datetime import date

from pydantic import field_validator

from settings.base import Part


class Legal(Part):
    """The controller (DSGVO Art. 13) and the accessibility statement (BITV 2.0)."""

    # The public body responsible for the processing, and how to reach its data-protection contact
    # (an e-mail address, a web address or a postal address in one line).
    controller_name: str = "Stadtverwaltung Musterstadt"
    controller_contact: str = "datenschutz@stadt.example"
    # Where employees report accessibility barriers (e-mail address or web address).
    accessibility_contact: str = "barrierefreiheit@stadt.example"
    # When the accessibility statement was last reviewed (YYYY-MM-DD).
    accessibility_reviewed: date = date(2026, 12, 3)
    # The enforcement body (Schlichtungsstelle) for the procedure after an unanswered report.
    accessibility_enforcement_url: str = "https://www.schlichtungsstelle-bgg.de"

    @field_validator("controller_name", "controller_contact", "accessibility_contact")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("must not be empty: employees are shown it")
        return text

    @field_validator("accessibility_enforcement_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ValueError("expected a web address (https://...)")
        return value
