"""The directory over LDAP (``ldap3``): Active Directory or OpenLDAP with the ppolicy overlay.

Every operation opens its own connection as the configured service account (a few per unlock; no pool to go
stale), with TLS unless the server is on loopback (the settings enforce it). Lockout per directory:

- Active Directory: locked when ``msDS-User-Account-Control-Computed`` has UF_LOCKOUT (or, where that computed
  attribute is not returned, ``lockoutTime`` > 0); unlocked by writing ``lockoutTime: 0``. Disabled accounts
  (``userAccountControl`` ACCOUNTDISABLE) and protected ones (``adminCount: 1``) are reported as such.
- OpenLDAP ppolicy: locked when ``pwdAccountLockedTime`` is set; ``000001010000Z`` is an administrator's lock
  (reported as disabled). Unlocking deletes it and ``pwdFailureTime`` (the latter is read-only to clients, so
  the Relax control is sent; the service account needs ``manage`` access to both attributes).
"""

from __future__ import annotations

import ssl
from typing import Any

from ldap3 import (
    AUTO_BIND_NO_TLS,
    AUTO_BIND_TLS_BEFORE_BIND,
    BASE,
    MODIFY_DELETE,
    MODIFY_REPLACE,
    NONE,
    SUBTREE,
    Connection,
    Server,
    Tls,
)
from ldap3.core.exceptions import LDAPException, LDAPInvalidCredentialsResult, LDAPSizeLimitExceededResult
from ldap3.utils.conv import escape_filter_chars

from desk.directory.base import DirectoryAccount, DirectoryError, plausible_username
from settings.directory import DirectorySettings

UF_ACCOUNTDISABLE = 0x2
UF_LOCKOUT = 0x10
ADMIN_LOCK = "000001010000Z"  # ppolicy: locked by an administrator, not by failures
RELAX = ("1.3.6.1.4.1.4203.666.5.12", True, None)  # OpenLDAP's Relax Rules control
IN_CHAIN = "1.2.840.113556.1.4.1941"  # AD: LDAP_MATCHING_RULE_IN_CHAIN (nested group membership)


class LdapDirectory:
    """:class:`~desk.directory.base.Directory` over LDAP, configured by ``SERVICEDESK_DIRECTORY_*``."""

    def __init__(self, settings: DirectorySettings) -> None:
        """Nothing is contacted until the first call."""
        if not settings.configured:
            raise ValueError("SERVICEDESK_DIRECTORY_URL is not set")
        self.settings = settings
        self.ad = settings.kind == "active_directory"
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file or None)
        self.server = Server(
            settings.url,
            use_ssl=settings.url.lower().startswith("ldaps://"),
            tls=tls,
            connect_timeout=settings.timeout_s,
            # No schema read: one round trip less, and attributes one directory lacks (memberOf, otherMailbox in
            # plain OpenLDAP) are simply not returned instead of refused by ldap3's name check.
            get_info=NONE,
        )

    # --- the Directory protocol -------------------------------------------------------------------------

    def find(self, username: str) -> DirectoryAccount | None:
        """Look the account up as the service account; ``None`` when no (single) entry has this name."""
        if not plausible_username(username):
            return None
        with self._service() as conn:
            entry = self._entry(conn, username)
            if entry is None:
                return None
            return self._account(conn, entry)

    def authenticate(self, username: str, password: str) -> bool:
        """Bind as the account; a wrong password counts as a failure in the directory (and may lock it)."""
        # An empty password would be an unauthenticated bind, which LDAP servers accept: never a sign-in.
        if not password or not plausible_username(username):
            return False
        with self._service() as conn:
            entry = self._entry(conn, username)
        if entry is None:
            return False
        try:
            with self._connect(entry.entry_dn, password):
                return True
        except LDAPInvalidCredentialsResult:
            return False
        except DirectoryError as exc:
            if isinstance(exc.__cause__, LDAPInvalidCredentialsResult):
                return False
            raise

    def unlock(self, username: str) -> bool:
        """Lift the lockout (idempotent); ``False`` when the account was not locked."""
        with self._service() as conn:
            entry = self._entry(conn, username) if plausible_username(username) else None
            if entry is None:
                raise DirectoryError("no such account")
            account = self._account(conn, entry, with_groups=False)
            if not account.locked:
                return False
            if self.ad:
                changes: dict[str, Any] = {"lockoutTime": [(MODIFY_REPLACE, ["0"])]}
                controls = None
            else:
                changes = {"pwdAccountLockedTime": [(MODIFY_DELETE, [])]}
                if _values(entry, "pwdFailureTime"):
                    changes["pwdFailureTime"] = [(MODIFY_DELETE, [])]
                controls = [RELAX]
            try:
                conn.modify(entry.entry_dn, changes, controls=controls)
            except LDAPException as exc:
                raise DirectoryError(f"unlock refused: {type(exc).__name__}") from exc
            return True

    # --- LDAP -----------------------------------------------------------------------------------------

    def _connect(self, user: str, password: str) -> Connection:
        bind = AUTO_BIND_TLS_BEFORE_BIND if self.settings.start_tls else AUTO_BIND_NO_TLS
        try:
            return Connection(
                self.server,
                user=user,
                password=password,
                auto_bind=bind,
                raise_exceptions=True,
                receive_timeout=max(1, round(self.settings.timeout_s)),  # ldap3 packs it as an integer
                read_only=False,
            )
        except LDAPException as exc:
            # The exception names the server, never the password; the DN is a person's only for binds as them.
            raise DirectoryError(f"directory {self.settings.url}: {type(exc).__name__}") from exc

    def _service(self) -> Connection:
        return self._connect(self.settings.bind_dn, self.settings.password.get_secret_value())

    def _attributes(self) -> list[str]:
        s = self.settings
        names = [s.user_attribute, s.contact_attribute]
        if self.ad:
            names += ["userAccountControl", "lockoutTime", "msDS-User-Account-Control-Computed", "adminCount"]
        else:
            names += ["pwdAccountLockedTime", "pwdFailureTime"]
        return names + ["memberOf"]

    def _entry(self, conn: Connection, username: str) -> Any:
        attr = self.settings.user_attribute
        query = f"(&(objectClass=*)({attr}={escape_filter_chars(username)}))"
        try:
            conn.search(self.settings.base_dn, query, SUBTREE, attributes=self._attributes(), size_limit=2)
        except LDAPSizeLimitExceededResult:
            return None
        except LDAPException as exc:
            raise DirectoryError(f"search failed: {type(exc).__name__}") from exc
        # Two entries with one name would make "which one" a guess: treat it as no account.
        return conn.entries[0] if len(conn.entries) == 1 else None

    def _account(self, conn: Connection, entry: Any, with_groups: bool = True) -> DirectoryAccount:
        s = self.settings
        if self.ad:
            control = _int(entry, "userAccountControl")
            computed = _values(entry, "msDS-User-Account-Control-Computed")
            locked = (
                bool(_int(entry, "msDS-User-Account-Control-Computed") & UF_LOCKOUT)
                if computed
                else (_int(entry, "lockoutTime") > 0)
            )
            disabled = bool(control & UF_ACCOUNTDISABLE)
            protected = _int(entry, "adminCount") == 1
        else:
            stamps = [str(v) for v in _values(entry, "pwdAccountLockedTime")]
            locked = bool(stamps) and ADMIN_LOCK not in stamps
            disabled = ADMIN_LOCK in stamps
            protected = False
        contacts = [str(v).strip() for v in _values(entry, s.contact_attribute) if str(v).strip()]
        return DirectoryAccount(
            username=str(_values(entry, s.user_attribute)[0]),
            dn=entry.entry_dn,
            locked=locked,
            disabled=disabled,
            contact=contacts[0] if contacts else None,
            groups=self._groups(conn, entry) if with_groups else (),
            protected=protected,
        )

    def _groups(self, conn: Connection, entry: Any) -> tuple[str, ...]:
        """Groups the entry is in: its ``memberOf`` plus a search (nested in AD, direct in OpenLDAP)."""
        found = {str(v) for v in _values(entry, "memberOf")}
        dn = escape_filter_chars(entry.entry_dn)
        query = f"(member:{IN_CHAIN}:={dn})" if self.ad else f"(|(member={dn})(uniqueMember={dn}))"
        try:
            conn.search(self.settings.base_dn, query, SUBTREE, attributes=[])
        except LDAPException as exc:
            # Without the groups nobody can tell a privileged account: the caller must refuse, so raise.
            raise DirectoryError(f"group search failed: {type(exc).__name__}") from exc
        found |= {e.entry_dn for e in conn.entries}
        return tuple(sorted(found))

    def reachable(self) -> bool:
        """Whether the service account can bind and read the base entry (health checks)."""
        try:
            with self._service() as conn:
                return bool(conn.search(self.settings.base_dn, "(objectClass=*)", BASE, attributes=[]))
        except (DirectoryError, LDAPException):
            return False


def _values(entry: Any, name: str) -> list[Any]:
    """An attribute's values, ``[]`` when the entry does not have it (ldap3 raises for absent attributes)."""
    try:
        return list(entry[name].values) if name in entry else []
    except LDAPException:
        return []


def _int(entry: Any, name: str) -> int:
    values = _values(entry, name)
    if not values:
        return 0
    value = values[0]
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
