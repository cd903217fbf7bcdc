"""The organisation's account directory (issue 19): a Protocol, an LDAP implementation and an in-memory one."""

from __future__ import annotations

from desk.directory.base import (
    Directory,
    DirectoryAccount,
    DirectoryError,
    group_name,
    plausible_username,
    privileged,
)
from settings.directory import DirectorySettings


def make_directory(settings: DirectorySettings) -> Directory | None:
    """The configured directory, or ``None`` when ``SERVICEDESK_DIRECTORY_URL`` is empty (no unlock then)."""
    if not settings.configured:
        return None
    from desk.directory.ldap import LdapDirectory  # noqa: PLC0415 - ldap3 only where a directory is configured

    return LdapDirectory(settings)


__all__ = [
    "Directory",
    "DirectoryAccount",
    "DirectoryError",
    "group_name",
    "make_directory",
    "plausible_username",
    "privileged",
]
