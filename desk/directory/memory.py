"""A directory in a dict: for tests and for trying the unlock without a directory server.

It behaves like OpenLDAP's ppolicy with ``pwdMaxFailure`` wrong passwords (default 5): the account locks until
it is unlocked; a right password resets the count.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field, replace

from desk.directory.base import DirectoryAccount, DirectoryError


@dataclass
class _Entry:
    account: DirectoryAccount
    password: str
    failures: int = 0


@dataclass
class MemoryDirectory:
    """Accounts by lower-case user name."""

    max_failures: int = 5
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        username: str,
        password: str,
        *,
        contact: str | None = None,
        groups: tuple[str, ...] = (),
        disabled: bool = False,
        protected: bool = False,
    ) -> DirectoryAccount:
        """Create an unlocked account."""
        account = DirectoryAccount(
            username=username,
            dn=f"uid={username},ou=people,dc=memory",
            locked=False,
            disabled=disabled,
            contact=contact,
            groups=groups,
            protected=protected,
        )
        with self._lock:
            self._entries[username.lower()] = _Entry(account, password)
        return account

    def find(self, username: str) -> DirectoryAccount | None:
        """The account, or ``None``."""
        with self._lock:
            entry = self._entries.get(username.lower())
            return entry.account if entry else None

    def authenticate(self, username: str, password: str) -> bool:
        """Check the password; the ``max_failures``-th wrong one locks the account."""
        with self._lock:
            entry = self._entries.get(username.lower())
            if entry is None or not password:
                return False
            if entry.account.locked or entry.account.disabled:
                return False
            if hmac.compare_digest(entry.password.encode(), password.encode()):
                entry.failures = 0
                return True
            entry.failures += 1
            if entry.failures >= self.max_failures:
                entry.account = replace(entry.account, locked=True)
            return False

    def unlock(self, username: str) -> bool:
        """Lift the lockout and forget the failures; ``False`` when it was not locked."""
        with self._lock:
            entry = self._entries.get(username.lower())
            if entry is None:
                raise DirectoryError("no such account")
            was = entry.account.locked
            entry.account = replace(entry.account, locked=False)
            entry.failures = 0
            return was
