"""``SERVICEDESK_DIRECTORY_*`` and ``SERVICEDESK_UNLOCK_*``: the LDAP directory, unlock and staff sign-in."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from settings.base import CommaList, Part

LOOPBACK = ("127.", "localhost", "::1", "[::1]")
# The roles a directory group may give (staff sign-in); admins stay local accounts.
DIRECTORY_ROLES = ("agent", "editor", "lead")
_UNESCAPED = r"(?<!\\)"  # a separator not preceded by a backslash (RFC 4514 escapes "," and ";" in values)


def normal_dn(dn: str) -> str:
    """A DN as compared: lower-case, no spaces around ``,`` and ``=`` (``CN=A, OU=B`` → ``cn=a,ou=b``)."""
    parts = re.split(_UNESCAPED + ",", dn.strip())
    return ",".join("=".join(x.strip() for x in part.split("=", 1)).lower() for part in parts)


def parse_role_groups(value: str) -> tuple[tuple[str, str], ...]:
    """``"lead=cn=sd-leads,ou=groups,dc=x;agent=cn=sd,ou=groups,dc=x"`` → ``(("lead", "cn=sd-leads,…"), …)``.

    Raises:
        ValueError: an entry is no ``role=group DN`` or names a role a directory group may not give.
    """
    pairs: list[tuple[str, str]] = []
    for entry in (e.strip() for e in re.split(_UNESCAPED + ";", value)):
        if not entry:
            continue
        role, _, dn = entry.partition("=")
        role, dn = role.strip().lower(), normal_dn(dn)
        if role not in DIRECTORY_ROLES:
            raise ValueError(
                f"SERVICEDESK_DIRECTORY_ROLE_GROUPS: {role!r} is no role a directory group may give "
                f"(one of {', '.join(DIRECTORY_ROLES)}; admins stay local accounts); entries are role=full group DN, "
                "separated by ';'"
            )
        # A full DN, not a common name: a group of the same name elsewhere in the tree must give nothing.
        if "=" not in dn or "," not in dn:
            raise ValueError(
                f"SERVICEDESK_DIRECTORY_ROLE_GROUPS: {entry!r} must be role=full group DN, "
                "e.g. lead=cn=sd-leads,ou=groups,dc=stadt,dc=example (entries separated by ';')"
            )
        pairs.append((role, dn))
    return tuple(pairs)


class DirectorySettings(Part):
    """The organisation's directory (Active Directory or OpenLDAP with the ppolicy overlay), read over LDAP.

    Empty ``url``: no directory (the chat offers no unlock). The service account needs read access to the users
    and groups under ``base_dn`` and write access to the lockout attribute (``lockoutTime`` in Active Directory,
    ``pwdAccountLockedTime`` / ``pwdFailureTime`` with ppolicy), nothing else.
    """

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_DIRECTORY_")

    # "ldaps://dc1.stadt.example" or "ldap://dc1.stadt.example" (then with start_tls); plain LDAP only on loopback.
    url: str = ""
    kind: Literal["active_directory", "openldap"] = "active_directory"
    bind_dn: str = ""
    password: SecretStr = SecretStr("")
    base_dn: str = ""
    # The attribute employees know as their user name ("sAMAccountName" in AD, "uid" in OpenLDAP).
    user_attribute: str = "sAMAccountName"
    # Where the one-time code goes: an address that is NOT the locked account's own mailbox (which the employee
    # cannot open while locked out), e.g. AD's "otherMailbox" or a private-mail attribute of the organisation.
    contact_attribute: str = "otherMailbox"
    start_tls: bool = False
    # CA certificate(s) that signed the directory's certificate (PEM file); empty: the system's CAs.
    ca_file: str = ""
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    # Staff sign-in (agents, editors, leads) with their directory account; local accounts are tried first.
    staff_sign_in: bool = False
    # "role=group DN" entries separated by ";" (parse_role_groups); a member gets the roles of all their groups.
    role_groups: str = ""
    # Staff passwords over plain ldap:// to a loopback directory: for test servers only, never in production.
    allow_plain_ldap: bool = False

    @model_validator(mode="after")
    def _complete_and_encrypted(self) -> DirectorySettings:
        parse_role_groups(self.role_groups)  # a broken mapping fails at start, even while sign-in is off
        if self.staff_sign_in and not self.url:
            raise ValueError("SERVICEDESK_DIRECTORY_STAFF_SIGN_IN=true needs SERVICEDESK_DIRECTORY_URL")
        if self.staff_sign_in and not self.role_groups:
            raise ValueError(
                "SERVICEDESK_DIRECTORY_STAFF_SIGN_IN=true needs SERVICEDESK_DIRECTORY_ROLE_GROUPS (no group, no role)"
            )
        if not self.url:
            return self
        parts = urlsplit(self.url)
        if parts.scheme not in {"ldap", "ldaps"} or not parts.hostname:
            raise ValueError("SERVICEDESK_DIRECTORY_URL must be ldap://host[:port] or ldaps://host[:port]")
        if not self.base_dn:
            raise ValueError("SERVICEDESK_DIRECTORY_URL needs SERVICEDESK_DIRECTORY_BASE_DN")
        # The service account's password and the unlock travel over this connection.
        if parts.scheme == "ldap" and not self.start_tls and not parts.hostname.startswith(LOOPBACK):
            raise ValueError("SERVICEDESK_DIRECTORY_URL: use ldaps:// or SERVICEDESK_DIRECTORY_START_TLS=true")
        # Staff sign-in sends staff passwords: encrypted even on loopback, unless a test directory says otherwise.
        if self.staff_sign_in and parts.scheme == "ldap" and not self.start_tls and not self.allow_plain_ldap:
            raise ValueError(
                "SERVICEDESK_DIRECTORY_STAFF_SIGN_IN=true sends staff passwords to the directory: use ldaps:// or "
                "SERVICEDESK_DIRECTORY_START_TLS=true (SERVICEDESK_DIRECTORY_ALLOW_PLAIN_LDAP=true is for a test "
                "directory on this machine only)"
            )
        return self

    @property
    def role_group_pairs(self) -> tuple[tuple[str, str], ...]:
        """``(role, normalised group DN)`` pairs of ``role_groups``."""
        return parse_role_groups(self.role_groups)

    @property
    def configured(self) -> bool:
        """Whether a directory is set up at all."""
        return bool(self.url)


class Unlock(Part):
    """``SERVICEDESK_UNLOCK_*``: self-service unlock of a locked directory account in the chat (issue 19)."""

    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_UNLOCK_")

    # Members of these groups (common name or full DN, case-insensitive) are never unlocked from the chat: their
    # accounts are what an attacker wants most. Default: Active Directory's protected groups and the desk's staff.
    privileged_groups: CommaList = (
        "Domain Admins",
        "Enterprise Admins",
        "Schema Admins",
        "Administrators",
        "Account Operators",
        "Server Operators",
        "Backup Operators",
        "Servicedesk",
    )
    # Password reset is not done in the chat (README, "Account unlock"): the answer links this portal.
    password_portal_url: str = ""
    # Code requests allowed per hour: for one user name, from one client address, and in total.
    per_name_per_hour: int = Field(default=3, ge=1, le=100)
    per_client_per_hour: int = Field(default=10, ge=1, le=1000)
    global_per_hour: int = Field(default=200, ge=1, le=100000)
