"""The Directory contract against a real OpenLDAP (slapd with ppolicy) and the in-memory directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ldap3 import MODIFY_REPLACE, Connection, Server
from pydantic import SecretStr

from desk.directory import DirectoryAccount, group_name, make_directory, plausible_username, privileged
from desk.directory.ldap import LdapDirectory
from desk.directory.memory import MemoryDirectory
from settings import SettingsError
from settings.base import read_part
from settings.directory import DirectorySettings
from tests.ldap_server import BASE, EMPLOYEES, ROOT_PASSWORD, Slapd
from tests.unit.desk.directory_contract import MEIER, DirectoryContract


def seeded_memory() -> MemoryDirectory:
    memory = MemoryDirectory()
    for e in EMPLOYEES:
        memory.add(e.uid, e.password, contact=e.contact, groups=tuple(f"cn={g},ou=groups,{BASE}" for g in e.groups))
    return memory


@pytest.mark.integration
class TestLdapDirectory(DirectoryContract):
    @pytest.fixture
    def directory(self, slapd: Slapd) -> Iterator[LdapDirectory]:
        directory = LdapDirectory(slapd.settings())
        yield directory
        # Every test starts from unlocked accounts (the server lives for the module).
        for e in EMPLOYEES:
            directory.unlock(e.uid)

    def test_an_administrators_lock_is_disabled_not_unlockable(self, directory: LdapDirectory, slapd: Slapd) -> None:
        root = Connection(Server(slapd.url), f"cn=root,{BASE}", ROOT_PASSWORD, auto_bind=True)
        root.modify(MEIER.dn, {"pwdAccountLockedTime": [(MODIFY_REPLACE, ["000001010000Z"])]})
        try:
            account = directory.find(MEIER.uid)
            assert account is not None and account.disabled and not account.locked
            assert directory.unlock(MEIER.uid) is False
            assert not directory.authenticate(MEIER.uid, MEIER.password)
        finally:
            root.modify(MEIER.dn, {"pwdAccountLockedTime": [(MODIFY_REPLACE, [])]})
            root.unbind()

    def test_a_wrong_service_password_is_a_directory_error(self, slapd: Slapd) -> None:
        from desk.directory import DirectoryError  # noqa: PLC0415

        broken = LdapDirectory(slapd.settings().model_copy(update={"password": SecretStr("falsch")}))
        with pytest.raises(DirectoryError) as caught:
            broken.find(MEIER.uid)
        assert "falsch" not in str(caught.value)
        assert broken.reachable() is False and LdapDirectory(slapd.settings()).reachable() is True


class TestMemoryDirectory(DirectoryContract):
    @pytest.fixture
    def directory(self) -> MemoryDirectory:
        return seeded_memory()


def test_settings_refuse_plain_ldap_to_a_remote_server_and_need_a_base() -> None:
    with pytest.raises(SettingsError, match="ldaps"):
        read_part(DirectorySettings, url="ldap://dc1.stadt.example", base_dn=BASE)
    with pytest.raises(SettingsError, match="BASE_DN"):
        read_part(DirectorySettings, url="ldaps://dc1.stadt.example")
    with pytest.raises(SettingsError, match="ldap://host"):
        read_part(DirectorySettings, url="http://dc1.stadt.example", base_dn=BASE)
    assert read_part(DirectorySettings, url="ldap://dc1.stadt.example", base_dn=BASE, start_tls=True).configured
    assert make_directory(read_part(DirectorySettings)) is None


def test_group_names_and_privilege() -> None:
    assert group_name("CN=Domain Admins,CN=Users,DC=stadt,DC=example") == "domain admins"
    account = DirectoryAccount("a", "uid=a", locked=True, disabled=False, contact=None, groups=("cn=X,dc=e",))
    assert not privileged(account, ("Y",)) and privileged(account, ("x",)) and privileged(account, ("CN=X,DC=E",))
    protected = DirectoryAccount("a", "uid=a", locked=True, disabled=False, contact=None, protected=True)
    assert privileged(protected, ())


@pytest.mark.parametrize("name", ["mmeier", "m.meier@stadt.example", "M_Meier-2"])
def test_plausible_names(name: str) -> None:
    assert plausible_username(name)


@pytest.mark.parametrize("name", ["", " mmeier", "*", "a)(uid=*", "Mein Passwort ist geheim", "x" * 65, "-a"])
def test_implausible_names(name: str) -> None:
    assert not plausible_username(name)


def test_the_test_server_has_no_listener_after_stop(tmp_path: Path) -> None:
    server = Slapd(tmp_path).start()
    url = server.url
    server.stop()
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        Connection(Server(url, connect_timeout=1), auto_bind=True)
