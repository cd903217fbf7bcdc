"""What the desk needs from the organisation's directory: find an employee's account, check a password, unlock.

A :class:`Directory` is the boundary; ``desk.directory.ldap`` talks to Active Directory or OpenLDAP, and
``desk.directory.memory`` keeps accounts in a dict for tests and demonstrations. Both pass the same contract
(``tests/unit/desk/directory_contract.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

# What a user name may look like before it is sent to the directory (sAMAccountName, uid, a UPN): anything else
# is not looked up at all. LDAP filters are escaped as well; this keeps typed passwords and sentences out.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class DirectoryError(RuntimeError):
    """The directory could not be reached or refused an operation (the message names no person)."""


@dataclass(frozen=True)
class DirectoryAccount:
    """One employee's account as the unlock needs it.

    Attributes:
        username: the name the employee signs in with (the configured user attribute).
        dn: the entry's distinguished name.
        locked: locked out after too many wrong passwords (and unlockable).
        disabled: switched off or locked by an administrator: never unlocked by self-service.
        contact: the alternative contact address for one-time codes, if one is registered.
        groups: distinguished names of the groups the account is a member of.
        protected: the directory marks it as privileged itself (Active Directory's ``adminCount=1``).
    """

    username: str
    dn: str
    locked: bool
    disabled: bool
    contact: str | None
    groups: tuple[str, ...] = ()
    protected: bool = False


class Directory(Protocol):
    """The organisation's account directory."""

    def find(self, username: str) -> DirectoryAccount | None:
        """The account signed in to as ``username`` (case-insensitive), or ``None``."""
        ...

    def authenticate(self, username: str, password: str) -> bool:
        """Whether ``password`` is right; a wrong one counts towards the lockout like any failed sign-in."""
        ...

    def unlock(self, username: str) -> bool:
        """Lift the lockout; ``True`` when the account was locked, ``False`` when it already was not.

        Raises:
            DirectoryError: the account does not exist or the directory refused.
        """
        ...


def plausible_username(value: str) -> bool:
    """Whether ``value`` can be a user name at all (checked before any directory lookup)."""
    return USERNAME.fullmatch(value) is not None


def group_name(dn: str) -> str:
    """The value of a group DN's first component, lower-case (``cn=Domain Admins,cn=Users,…`` → domain admins)."""
    first = dn.split(",", 1)[0]
    return first.partition("=")[2].strip().lower() if "=" in first else first.strip().lower()


def privileged(account: DirectoryAccount, groups: Iterable[str]) -> bool:
    """Whether ``account`` belongs to one of ``groups`` (common names or DNs) or is protected by the directory."""
    if account.protected:
        return True
    wanted = {g.strip().lower() for g in groups if g.strip()}
    return any(dn.lower() in wanted or group_name(dn) in wanted for dn in account.groups)
