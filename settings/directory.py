"""``SERVICEDESK_DIRECTORY_*`` and ``SERVICEDESK_UNLOCK_*``: the LDAP directory and the chat's account unlock."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from settings.base import CommaList, Part

LOOPBACK = ("127.", "localhost", "::1", "[::1]")


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

    @model_validator(mode="after")
    def _complete_and_encrypted(self) -> DirectorySettings:
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
        return self

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
