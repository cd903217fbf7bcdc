"""Staff sign-in with directory accounts (issue 19): the role mapping, the shadow accounts and the settings."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from desk import accounts
from desk.db import users
from desk.directory.memory import MemoryDirectory
from desk.directory.staff import StaffDirectory, roles_for
from settings import SettingsError
from settings.base import read_part
from settings.directory import DirectorySettings, normal_dn, parse_role_groups

GROUPS = "ou=groups,dc=stadt,dc=example"
AGENTS, LEADS, EDITORS = f"cn=sd-agents,{GROUPS}", f"cn=sd-leads,{GROUPS}", f"cn=sd-editors,{GROUPS}"
MAPPING = f"agent={AGENTS};lead={LEADS}; editor = CN=SD-Editors, OU=Groups, DC=stadt, DC=example"
PW = "Verzeichnis-2026!"


@pytest.fixture
def directory() -> MemoryDirectory:
    memory = MemoryDirectory()
    memory.add("skoch", PW, groups=(AGENTS,))
    memory.add("pfischer", PW, groups=(AGENTS, LEADS.upper(), "cn=Bauamt,ou=groups,dc=stadt,dc=example"))
    memory.add("mmeier", PW, groups=("cn=Bauamt,ou=groups,dc=stadt,dc=example",))
    return memory


@pytest.fixture
def staff(directory: MemoryDirectory) -> StaffDirectory:
    return StaffDirectory(directory, parse_role_groups(MAPPING))


def roles_in_db(engine: Engine, username: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(users.c.roles).where(users.c.username == username)).scalar_one()


def test_groups_map_to_every_role_they_give_compared_as_normalised_dns() -> None:
    pairs = parse_role_groups(MAPPING)
    assert pairs == (("agent", AGENTS), ("lead", LEADS), ("editor", EDITORS))
    assert roles_for(["CN=SD-Leads, OU=Groups, DC=Stadt, DC=Example", AGENTS], pairs) == ("agent", "lead")
    assert roles_for([EDITORS.upper()], pairs) == ("editor",)
    # A group of the same name elsewhere in the tree gives nothing: the DN counts, not the common name.
    assert roles_for(["cn=sd-leads,ou=projekte,dc=stadt,dc=example"], pairs) == ()
    assert normal_dn(r"CN=Meier\, Maria , OU=People") == r"cn=meier\, maria,ou=people"


def test_the_mapping_and_the_switch_are_checked_at_start() -> None:
    with pytest.raises(SettingsError, match="admins stay local"):
        read_part(DirectorySettings, role_groups=f"admin={AGENTS}")
    with pytest.raises(SettingsError, match="role=full group DN"):
        read_part(DirectorySettings, role_groups="lead=sd-leads")
    with pytest.raises(SettingsError, match="role=full group DN"):
        read_part(DirectorySettings, role_groups=AGENTS)  # no "role=" in front: "cn" is no role
    with pytest.raises(SettingsError, match="needs SERVICEDESK_DIRECTORY_URL"):
        read_part(DirectorySettings, staff_sign_in=True, role_groups=MAPPING)
    remote = {"url": "ldaps://dc1.stadt.example", "base_dn": "dc=stadt,dc=example"}
    with pytest.raises(SettingsError, match="needs SERVICEDESK_DIRECTORY_ROLE_GROUPS"):
        read_part(DirectorySettings, staff_sign_in=True, **remote)
    assert read_part(DirectorySettings, staff_sign_in=True, role_groups=MAPPING, **remote).role_group_pairs[1] == (
        "lead",
        LEADS,
    )
    assert StaffDirectory.of(read_part(DirectorySettings, role_groups=MAPPING, **remote)) is None  # switched off


def test_staff_passwords_need_tls_even_on_loopback_unless_a_test_directory_allows_plain_ldap() -> None:
    loopback = {"url": "ldap://127.0.0.1:3389", "base_dn": "dc=stadt,dc=example", "role_groups": MAPPING}
    assert read_part(DirectorySettings, **loopback).configured  # the unlock alone may use plain loopback LDAP
    with pytest.raises(SettingsError, match="ALLOW_PLAIN_LDAP=true is for a test directory"):
        read_part(DirectorySettings, staff_sign_in=True, **loopback)
    assert read_part(DirectorySettings, staff_sign_in=True, start_tls=True, **loopback).staff_sign_in
    assert read_part(DirectorySettings, staff_sign_in=True, allow_plain_ldap=True, **loopback).staff_sign_in
    remote = {**loopback, "url": "ldap://dc1.stadt.example"}
    with pytest.raises(SettingsError, match="ldaps"):  # allowing plain LDAP never reaches past this machine
        read_part(DirectorySettings, staff_sign_in=True, allow_plain_ldap=True, **remote)


def test_a_directory_member_signs_in_with_the_roles_of_their_groups(staff: StaffDirectory, engine: Engine) -> None:
    account = staff.sign_in(engine, "PFischer", PW)
    assert account is not None and account.username == "pfischer" and account.roles == ("agent", "lead")
    assert roles_in_db(engine, "pfischer") == "agent,lead"
    again = staff.sign_in(engine, "pfischer", PW)
    assert again is not None and again.id == account.id  # one shadow account, not one per sign-in
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == account.id)).one()
        assert row.source == accounts.DIRECTORY and conn.execute(select(func.count()).select_from(users)).scalar() == 1
    # No local password: the shadow never signs in locally, and none can be set for it.
    assert accounts.authenticate(engine, "pfischer", PW) is None
    assert accounts.authenticate(engine, "pfischer", accounts.NO_PASSWORD) is None
    with pytest.raises(accounts.AccountError, match="directory"):
        accounts.set_password(engine, "pfischer", "ein-neues-passwort-1")
    with pytest.raises(accounts.AccountError, match="exists"):
        accounts.create_user(engine, username="pfischer", password="ein-neues-passwort-1", roles=("admin",))


def test_wrong_unknown_empty_and_groupless_are_all_refused(
    staff: StaffDirectory, directory: MemoryDirectory, engine: Engine
) -> None:
    assert staff.sign_in(engine, "skoch", "falsches-passwort") is None
    assert staff.sign_in(engine, "niemand", PW) is None
    assert staff.sign_in(engine, "skoch", "") is None
    assert staff.sign_in(engine, "skoch)(uid=*", PW) is None
    assert staff.sign_in(engine, "mmeier", PW) is None  # the right password, but in no staff group
    directory.add("gesperrt", PW, groups=(AGENTS,), disabled=True)
    assert staff.sign_in(engine, "gesperrt", PW) is None
    assert accounts.count_users(engine) == 0  # nobody refused got an account


def test_leaving_a_group_takes_the_role_at_the_next_sign_in(
    staff: StaffDirectory, directory: MemoryDirectory, engine: Engine
) -> None:
    first = staff.sign_in(engine, "pfischer", PW)
    assert first is not None and first.roles == ("agent", "lead")
    token, _ = accounts.start_session(engine, first)
    directory.add("pfischer", PW, groups=(AGENTS,))  # the directory's admin took him out of sd-leads
    second = staff.sign_in(engine, "pfischer", PW)
    assert second is not None and second.roles == ("agent",)
    live = accounts.session_for(engine, token)  # an open session has the roles of now, not of its start
    assert live is not None and live.account.roles == ("agent",) and not live.account.has_role("lead")
    directory.add("pfischer", PW, groups=())  # out of every staff group: refused, no roles, sessions ended
    assert staff.sign_in(engine, "pfischer", PW) is None
    assert roles_in_db(engine, "pfischer") == "" and accounts.session_for(engine, token) is None
    directory.add("pfischer", PW, groups=(EDITORS,))  # back in a group: in again with that role only
    third = staff.sign_in(engine, "pfischer", PW)
    assert third is not None and third.id == first.id and third.roles == ("editor",)


def test_a_local_account_keeps_its_name_and_its_password_never_goes_to_the_directory(
    staff: StaffDirectory, directory: MemoryDirectory, engine: Engine
) -> None:
    accounts.create_user(engine, username="SKoch", password="lokales-passwort-1", roles=("admin",))
    for _ in range(directory.max_failures):
        assert staff.sign_in(engine, "skoch", "lokales-passwort-1") is None
        assert staff.sign_in(engine, "skoch", PW) is None  # the directory's right password does not take it over
    found = directory.find("skoch")
    assert found is not None and not found.locked  # no bind was tried: nothing counted in the directory
    assert accounts.authenticate(engine, "SKoch", "lokales-passwort-1") is not None
    assert roles_in_db(engine, "SKoch") == "admin"


def test_a_shadow_switched_off_locally_stays_off(staff: StaffDirectory, engine: Engine) -> None:
    account = staff.sign_in(engine, "skoch", PW)
    assert account is not None
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == account.id).values(active=False))
    assert staff.sign_in(engine, "skoch", PW) is None
    assert roles_in_db(engine, "skoch") == "agent"  # the roles are still synced, the account stays off
