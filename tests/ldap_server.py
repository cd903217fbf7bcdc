"""A real OpenLDAP server for the tests: Debian's slapd with the ppolicy overlay, a throwaway slapd.conf and a
seeded directory of a few employees and two service-desk staff, on a free loopback port (``make setup-ldap``
installs slapd).

Policy as in a typical administration: 5 wrong passwords lock the account until it is unlocked
(``pwdMaxFailure 5``, ``pwdLockout TRUE``, ``pwdLockoutDuration 0``). The service account may read people and
groups and manage the two lockout attributes, nothing else; it cannot read passwords.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ldap3 import Connection, Server

from scripts.stack import free_port
from settings.directory import DirectorySettings

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
BASE = "dc=stadt,dc=example"
SERVICE_DN = f"cn=servicedesk,ou=system,{BASE}"
SERVICE_PASSWORD = "Dienstkonto-2026!"
ROOT_PASSWORD = "root-only-for-the-test"


@dataclass(frozen=True)
class Employee:
    """A seeded person: ``uid``, password, alternative contact (``otherMailbox``), groups."""

    uid: str
    name: str
    password: str
    contact: str | None
    groups: tuple[str, ...] = ()

    @property
    def dn(self) -> str:
        """The entry's DN."""
        return f"uid={self.uid},ou=people,{BASE}"


EMPLOYEES = (
    Employee("mmeier", "Maria Meier", "Sommer-2026!", "maria.meier@privat.example", ("Bauamt",)),
    Employee("tschulz", "Thomas Schulz", "Herbst-2026!", "t.schulz@privat.example", ("Stadtkasse",)),
    Employee("jweber", "Jana Weber", "Winter-2026!", "jana.weber@privat.example", ("Domain Admins",)),
    Employee("okeinkontakt", "Otto Keinkontakt", "Fruehling-2026!", None, ("Bauamt",)),
    Employee("lbrandt", "Lena Brandt", "Regen-2026!", "lena.brandt@privat.example", ("Stadtkasse",)),
    # The service desk's own staff (staff sign-in with the directory): an agent and a lead.
    Employee("skoch", "Sabine Koch", "Nebel-2026!", None, ("Servicedesk",)),
    Employee("pfischer", "Paul Fischer", "Sturm-2026!", None, ("Servicedesk", "Servicedesk-Leitung")),
)
GROUPS = ("Bauamt", "Stadtkasse", "Domain Admins", "Servicedesk", "Servicedesk-Leitung")


def _conf(folder: Path) -> str:
    service = f'dn.exact="{SERVICE_DN}"'
    return f"""\
include {SCHEMA}/core.schema
include {SCHEMA}/cosine.schema
include {SCHEMA}/inetorgperson.schema
modulepath {MODULES}
moduleload back_mdb
moduleload ppolicy
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args

database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "cn=root,{BASE}"
rootpw {ROOT_PASSWORD}
directory {folder}/data
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{BASE}"
ppolicy_use_lockout

access to attrs=userPassword
  by anonymous auth
  by self write
  by * none
access to attrs=pwdAccountLockedTime,pwdFailureTime
  by {service} manage
  by * none
access to *
  by {service} read
  by self read
  by * none
"""


def _ldif() -> str:
    parts = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: stadt\no: Stadt Beispiel\n",
        f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: ou=system,{BASE}\nobjectClass: organizationalUnit\nou: system\n",
        f"dn: ou=policies,{BASE}\nobjectClass: organizationalUnit\nou: policies\n",
        f"dn: {SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n"
        f"cn: servicedesk\nuserPassword: {SERVICE_PASSWORD}\n",
        f"dn: cn=default,ou=policies,{BASE}\nobjectClass: device\nobjectClass: pwdPolicy\ncn: default\n"
        "pwdAttribute: userPassword\npwdMaxFailure: 5\npwdLockout: TRUE\npwdLockoutDuration: 0\n"
        "pwdFailureCountInterval: 0\n",
    ]
    for e in EMPLOYEES:
        given, _, sn = e.name.partition(" ")
        # extensibleObject lets the person carry otherMailbox (cosine), the attribute Active Directory uses too.
        entry = (
            f"dn: {e.dn}\nobjectClass: inetOrgPerson\nobjectClass: extensibleObject\nuid: {e.uid}\ncn: {e.name}\n"
            f"givenName: {given}\nsn: {sn}\nmail: {e.uid}@stadt.example\nuserPassword: {e.password}\n"
        )
        if e.contact:
            entry += f"otherMailbox: {e.contact}\n"
        parts.append(entry)
    for g in GROUPS:
        members = "".join(f"member: {e.dn}\n" for e in EMPLOYEES if g in e.groups)
        parts.append(f"dn: cn={g},ou=groups,{BASE}\nobjectClass: groupOfNames\ncn: {g}\n{members}")
    return "\n".join(parts)


class Slapd:
    """One slapd process over a seeded database in ``folder``; :meth:`stop` ends it."""

    def __init__(self, folder: Path) -> None:
        """Write the configuration and the seed; nothing runs yet."""
        if not SLAPD.is_file():
            raise RuntimeError("slapd is missing: run `make setup-ldap` (Debian's slapd and ldap-utils)")
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.conf = folder / "slapd.conf"
        self.conf.write_text(_conf(folder), encoding="utf-8")
        (folder / "seed.ldif").write_text(_ldif(), encoding="utf-8")

    @property
    def url(self) -> str:
        """``ldap://127.0.0.1:<port>``."""
        return f"ldap://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Slapd:
        """Seed the database offline (slapadd), start slapd on a free port and wait until it answers."""
        subprocess.run(
            [str(SLAPADD), "-f", str(self.conf), "-l", str(self.folder / "seed.ldif")],
            check=True,
            capture_output=True,
        )
        self.port = free_port()
        # -d 0: stay in the foreground (so this object owns the process) without debug output.
        self.process = subprocess.Popen(
            [str(SLAPD), "-f", str(self.conf), "-h", self.url + "/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited with {self.process.returncode} (config {self.conf})")
            try:
                Connection(Server(self.url, connect_timeout=1), SERVICE_DN, SERVICE_PASSWORD, auto_bind=True).unbind()
                return self
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("slapd did not answer in time")

    def stop(self) -> None:
        """End the process and remove the database."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.folder / "data", ignore_errors=True)

    def settings(self) -> DirectorySettings:
        """Directory settings for this server as the service account."""
        return DirectorySettings(
            url=self.url,
            kind="openldap",
            bind_dn=SERVICE_DN,
            password=SERVICE_PASSWORD,  # type: ignore[arg-type]
            base_dn=BASE,
            user_attribute="uid",
            contact_attribute="otherMailbox",
        )
