"""The contract every Directory passes (the real OpenLDAP and the in-memory one), seeded with the same people."""

from __future__ import annotations

import pytest

from desk.directory import Directory, DirectoryError, privileged
from tests.ldap_server import EMPLOYEES

MEIER = EMPLOYEES[0]
SCHULZ = EMPLOYEES[1]
WEBER = EMPLOYEES[2]  # in "Domain Admins"
NO_CONTACT = EMPLOYEES[3]
PRIVILEGED = ("Domain Admins", "Servicedesk")


class DirectoryContract:
    """Subclasses provide a ``directory`` fixture seeded with :data:`tests.ldap_server.EMPLOYEES`."""

    def test_finds_a_seeded_employee_with_the_alternative_contact(self, directory: Directory) -> None:
        account = directory.find(MEIER.uid)
        assert account is not None
        assert account.username == MEIER.uid and account.contact == MEIER.contact
        assert not account.locked and not account.disabled
        assert not privileged(account, PRIVILEGED)

    def test_the_name_is_case_insensitive(self, directory: Directory) -> None:
        account = directory.find(MEIER.uid.upper())
        assert account is not None and account.username == MEIER.uid

    def test_unknown_and_implausible_names_are_no_account(self, directory: Directory) -> None:
        assert directory.find("niemand") is None
        assert directory.find("*") is None
        assert directory.find("mmeier)(uid=*") is None
        assert directory.find("") is None

    def test_an_employee_without_alternative_contact_has_none(self, directory: Directory) -> None:
        account = directory.find(NO_CONTACT.uid)
        assert account is not None and account.contact is None

    def test_membership_of_a_privileged_group_is_seen(self, directory: Directory) -> None:
        account = directory.find(WEBER.uid)
        assert account is not None
        assert privileged(account, PRIVILEGED)
        assert privileged(account, ("domain admins",))
        assert not privileged(account, ("Stadtkasse",))

    def test_the_right_password_authenticates_and_an_empty_one_never(self, directory: Directory) -> None:
        assert directory.authenticate(SCHULZ.uid, SCHULZ.password)
        assert not directory.authenticate(SCHULZ.uid, "")
        assert not directory.authenticate("niemand", SCHULZ.password)

    def test_five_wrong_passwords_lock_and_unlock_lifts_it(self, directory: Directory) -> None:
        for _ in range(4):
            assert not directory.authenticate(MEIER.uid, "falsch")
        account = directory.find(MEIER.uid)
        assert account is not None and not account.locked
        assert not directory.authenticate(MEIER.uid, "falsch")
        account = directory.find(MEIER.uid)
        assert account is not None and account.locked
        # Locked: even the right password is refused.
        assert not directory.authenticate(MEIER.uid, MEIER.password)
        assert directory.unlock(MEIER.uid) is True
        account = directory.find(MEIER.uid)
        assert account is not None and not account.locked
        assert directory.authenticate(MEIER.uid, MEIER.password)

    def test_unlock_is_idempotent(self, directory: Directory) -> None:
        for _ in range(5):
            directory.authenticate(SCHULZ.uid, "falsch")
        assert directory.unlock(SCHULZ.uid) is True
        assert directory.unlock(SCHULZ.uid) is False
        assert directory.unlock(SCHULZ.uid) is False
        assert directory.authenticate(SCHULZ.uid, SCHULZ.password)

    def test_unlock_forgets_the_earlier_failures(self, directory: Directory) -> None:
        for _ in range(5):
            directory.authenticate(MEIER.uid, "falsch")
        directory.unlock(MEIER.uid)
        # A fresh count: one more wrong password does not lock again.
        assert not directory.authenticate(MEIER.uid, "falsch")
        account = directory.find(MEIER.uid)
        assert account is not None and not account.locked

    def test_unlocking_an_unknown_account_raises(self, directory: Directory) -> None:
        with pytest.raises(DirectoryError):
            directory.unlock("niemand")
