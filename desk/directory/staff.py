"""Staff sign-in with a directory account (issue 19): bind as the person, roles from their groups.

The web service tries a local account first (the first admin, sites without a directory) and comes here only
when that did not match. Every refusal is the same ``None`` (wrong password, unknown name, no staff group, a
locked or disabled account, a name that belongs to a local account), so the caller answers and throttles all of
them like a wrong password. On success the person's local shadow account (``desk.accounts``) gets exactly the
roles their groups give now: sessions, audit and role checks work as for local accounts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from desk import accounts
from desk.accounts import Account
from desk.directory.base import Directory, DirectoryAccount, plausible_username
from knowledge.text_policy import username_problem
from settings.directory import DIRECTORY_ROLES, DirectorySettings, normal_dn

logger = logging.getLogger(__name__)


def roles_for(groups: Iterable[str], role_groups: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Every role whose group (a full DN, compared normalised) is among ``groups``, in the order of the roles."""
    member_of = {normal_dn(g) for g in groups}
    given = {role for role, dn in role_groups if dn in member_of}
    return tuple(r for r in DIRECTORY_ROLES if r in given)


@dataclass(frozen=True)
class StaffDirectory:
    """Signs staff in against ``directory`` with the roles ``role_groups`` (``(role, DN)`` pairs) give."""

    directory: Directory
    role_groups: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, settings: DirectorySettings, directory: Directory | None = None) -> StaffDirectory | None:
        """The configured sign-in, or ``None`` when ``SERVICEDESK_DIRECTORY_STAFF_SIGN_IN`` is off."""
        if not settings.staff_sign_in:
            return None
        if directory is None:
            from desk.directory import make_directory  # noqa: PLC0415 - ldap3 only where sign-in is on

            directory = make_directory(settings)
        assert directory is not None  # the settings refuse sign-in without a directory URL
        return cls(directory, settings.role_group_pairs)

    def sign_in(self, engine: Engine, username: str, password: str) -> Account | None:
        """The shadow account with the roles the directory gives now, or ``None`` (refused, for whatever reason).

        Raises:
            DirectoryError: the directory could not be asked (nothing was decided; not a failed sign-in).
        """
        # An empty password would be an anonymous bind, which LDAP servers accept.
        if not password or not plausible_username(username):
            return None
        # A local account owns its name: its password is never sent to the directory, nor is it taken over.
        if accounts.local_name_taken(engine, username):
            return None
        if not self.directory.authenticate(username, password):
            return None
        found = self.directory.find(username)
        if found is None or not self._may_sign_in(found):
            return None
        roles = roles_for(found.groups, self.role_groups)
        account = accounts.sync_directory_account(engine, found.username, roles)
        if account is None:
            logger.info("directory sign-in refused for %r (roles %s)", found.username, ",".join(roles) or "none")
        return account

    @staticmethod
    def _may_sign_in(found: DirectoryAccount) -> bool:
        if found.locked or found.disabled:
            return False
        if username_problem(found.username):  # the directory's spelling must be a valid local name
            logger.warning("directory account name not usable as a staff name; refused")
            return False
        return True
