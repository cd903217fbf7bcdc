"""``make run-cluster`` / ``make stop-cluster``: two of each process on PostgreSQL and Redis, behind nginx.

On one machine, from Debian's binaries (``scripts/setup_cluster.sh``): PostgreSQL (``ops/pg.py``) holds the records
and Rasa's tracker store, Redis is Rasa's lock store, two Rasa servers, two action servers and two web services
listen on loopback, and nginx (``deploy/nginx/``) stands in front of the web services on the public port and, on
loopback, in front of the Rasa servers (the web services' Rasa URL) and the action servers (Rasa's action
endpoint). Each process is started exactly as ``make run`` starts it (``scripts/stack.py``), with its settings
as ``SERVICEDESK_*`` variables. README, "Betrieb mit mehreren Instanzen".

    python -m scripts.cluster start     # returns once every instance is healthy; the processes keep running
    python -m scripts.cluster stop
    python -m scripts.cluster restart web 1   # one part that died (rasa|actions|web N, redis, postgres), alone

Ports come from the settings: nginx on SERVICEDESK_WEB_PORT (public), SERVICEDESK_RASA_PORT and
SERVICEDESK_ACTION_PORT (loopback proxies); instance n on that port + n; Redis on SERVICEDESK_REDIS_PORT;
PostgreSQL on a free port. Data and logs under ``var/cluster/``; PostgreSQL's data and nginx's temporary files
need a folder the ``postgres`` and ``nobody`` users can enter when we run as root, else they go to
``/var/tmp/servicedesk-cluster-<hash>/`` (printed at start).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from desk.db import open_db
from desk.identity import load_secret
from ops.pg import PgServer
from scripts.cluster_services import Nginx, Redis, reachable
from scripts.stack import RASA_MODEL, free_port, launch, tail, terminate
from scripts.users import announce_first_admin
from settings import ROOT, Settings

INSTANCES = 2  # deploy/nginx/servicedesk.conf names two servers per upstream
PARTS = ("rasa", "actions", "web", "redis", "postgres")  # what ``kill`` and ``restart`` take
CLUSTER_ENDPOINTS = ROOT / "deploy" / "rasa" / "endpoints.yml"
TRACKER_DB = "rasa_tracker"
RECORDS_DB = "servicedesk"


@dataclass(frozen=True)
class Layout:
    """Every port of the cluster."""

    public: int
    rasa_proxy: int
    action_proxy: int
    web: tuple[int, ...]
    rasa: tuple[int, ...]
    actions: tuple[int, ...]
    redis: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Layout:
        """The proxies on the configured ports, instance n on that port + n."""
        s = settings.servers
        return cls(
            public=s.web_port,
            rasa_proxy=s.rasa_port,
            action_proxy=s.action_port,
            web=tuple(s.web_port + n for n in range(1, INSTANCES + 1)),
            rasa=tuple(s.rasa_port + n for n in range(1, INSTANCES + 1)),
            actions=tuple(s.action_port + n for n in range(1, INSTANCES + 1)),
            redis=s.redis_port,
        )

    @classmethod
    def free(cls) -> Layout:
        """Ports nothing listens on right now (the tests)."""
        many = lambda: tuple(free_port() for _ in range(INSTANCES))  # noqa: E731
        return cls(free_port(), free_port(), free_port(), many(), many(), many(), free_port())

    def nginx_ports(self) -> dict[str, int]:
        """The placeholders of deploy/nginx/servicedesk.conf."""
        ports = {"PUBLIC_PORT": self.public, "RASA_PROXY": self.rasa_proxy, "ACTION_PROXY": self.action_proxy}
        for kind, own in (("WEB", self.web), ("RASA", self.rasa), ("ACTIONS", self.actions)):
            ports |= {f"{kind}_{n}": port for n, port in enumerate(own, start=1)}
        return ports


def shared_folder(folder: Path) -> Path:
    """Where PostgreSQL and nginx keep their files: ``folder`` if their users can enter it, else /var/tmp/..."""
    if reachable(folder):
        return folder
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    other = Path("/var/tmp") / f"servicedesk-cluster-{digest}"
    other.mkdir(mode=0o755, exist_ok=True)
    return other


@dataclass
class Cluster:
    """The processes of one cluster; its state (pids, where PostgreSQL lives) in ``folder/state.json``."""

    base: Settings
    folder: Path
    layout: Layout
    fast_pg: bool = False  # the tests' throwaway server: durability off
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    pg: PgServer | None = None
    _urls: dict[str, str] = field(default_factory=dict)
    _other_pids: dict[str, int] = field(default_factory=dict)  # started by another run (``attach``)

    @property
    def logs(self) -> Path:
        """Every process's log."""
        return self.folder / "logs"

    @property
    def state_file(self) -> Path:
        """Pids and the PostgreSQL folder of the running cluster (``stop`` reads it)."""
        return self.folder / "state.json"

    def variables(self) -> dict[str, str]:
        """What every instance shares: the databases, Redis, the proxies as Rasa and action URLs."""
        return {
            "SERVICEDESK_DATABASE_URL": self._urls["records"],
            "SERVICEDESK_TRACKER_URL": self._urls["tracker"],
            "SERVICEDESK_REDIS_HOST": "127.0.0.1",
            "SERVICEDESK_REDIS_PORT": str(self.layout.redis),
            "SERVICEDESK_RASA_ENDPOINTS": str(CLUSTER_ENDPOINTS),
            "SERVICEDESK_VAR_DIR": str(self.folder / "records"),
            "SERVICEDESK_TRUSTED_PROXIES": "127.0.0.1",
            "SERVICEDESK_WEB_PORT": str(self.layout.public),
            "SERVICEDESK_RASA_PORT": str(self.layout.rasa_proxy),
            "SERVICEDESK_ACTION_PORT": str(self.layout.action_proxy),
        }

    @property
    def settings(self) -> Settings:
        """The cluster as a client sees it: web_url is nginx, rasa_url and action_url the loopback proxies."""
        return self.base.override(**self.variables())

    def instance_settings(self, kind: str, n: int) -> Settings:
        """Instance ``n`` (from 1) of ``rasa``, ``actions`` or ``web``: its own port, the proxies for the rest."""
        own = {"web": "SERVICEDESK_WEB_PORT", "rasa": "SERVICEDESK_RASA_PORT", "actions": "SERVICEDESK_ACTION_PORT"}
        port = getattr(self.layout, kind)[n - 1]
        return self.base.override(**(self.variables() | {own[kind]: str(port)}))

    def instance_url(self, kind: str, n: int) -> str:
        """An instance addressed directly on loopback (bypassing nginx)."""
        return f"http://127.0.0.1:{getattr(self.layout, kind)[n - 1]}"

    def start(self, progress: bool = False, timeout: float = 600.0) -> None:
        """Start everything, staggered for two cores; return when every instance answers healthy."""
        say = (lambda text: print(text, flush=True)) if progress else (lambda text: None)  # noqa: E731
        self.folder.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(mode=0o700, exist_ok=True)
        shared = shared_folder(self.folder)
        if shared != self.folder:
            say(f"  PostgreSQL's data and nginx's files: {shared} (the postgres user cannot enter {self.folder})")
        # fast: durability against a machine crash off, but a commit is flushed to the OS before it is
        # acknowledged, so a kill -9 of the server loses nothing (tests/cluster/test_faults.py)
        self.pg = PgServer(shared / "pg", fast=self.fast_pg, keep_commits=True)
        self._save()
        self.pg.start()
        self._urls = {"records": self._database(RECORDS_DB), "tracker": self._database(TRACKER_DB)}
        settings = self.settings
        open_db(settings.records.db_url).dispose()  # migrations once, before any instance starts
        load_secret(settings.records)  # the key file once, before two web services race to create it
        announce_first_admin(settings)
        say("  PostgreSQL ready; starting Redis and nginx ...")
        self._add("redis", Redis(self.folder / "redis", self.layout.redis).start(self.logs / "redis.log"))
        nginx = Nginx(shared / "nginx", self.logs)
        self._add("nginx", nginx.start(nginx.render(self.layout.nginx_ports()), self.layout.public))
        deadline = time.monotonic() + timeout
        # Rasa first alone with the action servers (its model load takes a core), then the rest.
        say("  starting the action servers and the first Rasa server (loading their models) ...")
        first = [("actions", n) for n in range(1, INSTANCES + 1)] + [("rasa", 1)]
        for kind, n in first:
            self._launch(kind, n)
        self.wait_ready(first, deadline - time.monotonic())
        rest = [("rasa", n) for n in range(2, INSTANCES + 1)] + [("web", n) for n in range(1, INSTANCES + 1)]
        say("  starting the other Rasa server(s) and the web services ...")
        for kind, n in rest:
            self._launch(kind, n)
        self.wait_ready(first + rest, deadline - time.monotonic())
        self._wait_public(deadline - time.monotonic())

    def relaunch(self, kind: str, n: int, timeout: float = 300.0) -> None:
        """Start one instance again (after it died) and wait until it is ready."""
        self._launch(kind, n)
        self.wait_ready([(kind, n)], timeout)

    def kill(self, part: str, n: int = 1) -> None:
        """SIGKILL one part, its whole process group (PostgreSQL: the server with every backend); wait until gone."""
        if part == "postgres":
            assert self.pg is not None
            pid = int((self.pg.data / "postmaster.pid").read_text().split()[0])
            group = os.getpgid(pid)
            if group == os.getpgid(0):
                raise RuntimeError("PostgreSQL runs in our own process group; not killing it")
            os.killpg(group, signal.SIGKILL)  # pg_ctl starts the server in a session of its own
            while _alive(pid):
                time.sleep(0.05)
            return
        proc = self.procs[part if part == "redis" else f"{part}-{n}"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, part: str, n: int = 1, timeout: float = 300.0) -> None:
        """Start one part again after it died, the others untouched; return when it is ready."""
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r} (one of {', '.join(PARTS)})")
        if part == "postgres":
            assert self.pg is not None
            self.pg.start()  # the same port; crash recovery runs before it accepts connections
        elif part == "redis":
            self._add("redis", Redis(self.folder / "redis", self.layout.redis).start(self.logs / "redis.log"))
        else:
            self.relaunch(part, n, timeout)

    def attach(self) -> None:
        """Take over a cluster another run started (``make run-cluster``): its PostgreSQL, URLs and pids."""
        state = json.loads(self.state_file.read_text())
        self._other_pids = dict(state["pids"])
        self.pg = PgServer(Path(state["pg"]), keep_commits=True)
        if not self.pg.running():
            self.pg.port = self.pg.last_port()
        self._urls = {"records": self.pg.url(RECORDS_DB), "tracker": self.pg.url(TRACKER_DB)}

    def _database(self, name: str) -> str:
        assert self.pg is not None
        return self.pg.url(name) if self.pg.has_database(name) else self.pg.create_database(name)

    def _launch(self, kind: str, n: int) -> None:
        name = f"{kind}-{n}"
        model = self.base.servers.rasa_model if kind == "rasa" else None
        if kind == "rasa" and not (model or RASA_MODEL).is_file():
            raise FileNotFoundError(f"no trained Rasa model at {model}: run 'make build'")
        self._add(name, launch(self.instance_settings(kind, n), kind, self.logs / f"{name}.log", model))

    def _add(self, name: str, proc: subprocess.Popen) -> None:
        self.procs[name] = proc
        self._save()

    def _save(self) -> None:
        pids = self._other_pids | {name: p.pid for name, p in self.procs.items()}
        pg = str(self.pg.folder) if self.pg else None
        self.state_file.write_text(json.dumps({"pids": pids, "pg": pg}))

    def ready(self, kind: str, n: int) -> bool:
        """Whether one instance answers healthy: Rasa's /status (model loaded), the others' /health."""
        path = "/status" if kind == "rasa" else "/health"
        try:
            return httpx.get(self.instance_url(kind, n) + path, timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, instances: list[tuple[str, int]], timeout: float) -> None:
        """Poll until each instance is ready; fail at once, with its log, when a process exits."""
        deadline = time.monotonic() + timeout
        waiting = list(instances)
        while waiting:
            dead = [name for name, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"exited: {dead}\n" + "\n".join(self._tail(d) for d in dead))
            waiting = [(kind, n) for kind, n in waiting if not self.ready(kind, n)]
            if waiting and time.monotonic() > deadline:
                names = [f"{k}-{n}" for k, n in waiting]
                raise TimeoutError(f"not ready: {names}\n" + "\n".join(self._tail(name) for name in names))
            if waiting:
                time.sleep(1)

    def _wait_public(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.layout.public}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"nginx's /health not 200\n{self._tail('nginx-error')}")
            time.sleep(0.5)

    def _tail(self, name: str) -> str:
        return f"--- {name} ---\n{tail(self.logs / f'{name}.log')}"

    def stop(self, timeout: float = 20.0) -> None:
        """Stop every process (ours, or those named in the state file), then PostgreSQL."""
        if self.procs:
            terminate(list(reversed(self.procs.values())), timeout)
        elif self.state_file.is_file():
            stop_pids(json.loads(self.state_file.read_text())["pids"], timeout)
        self.procs.clear()
        if self.pg is None and self.state_file.is_file():
            pg = json.loads(self.state_file.read_text()).get("pg")
            self.pg = PgServer(Path(pg)) if pg else None
        if self.pg is not None:
            self.pg.stop()
        self.state_file.unlink(missing_ok=True)

    def running(self) -> list[str]:
        """Names from the state file whose process still runs."""
        if not self.state_file.is_file():
            return []
        return [name for name, pid in json.loads(self.state_file.read_text())["pids"].items() if _ours(pid)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _ours(pid: int) -> bool:
    """Whether ``pid`` runs and still leads the session we started it in (a reused pid does not)."""
    try:
        return os.getsid(pid) == pid
    except (ProcessLookupError, PermissionError):
        return False


def stop_pids(pids: dict[str, int], timeout: float) -> None:
    """SIGTERM the process groups of another run's children (newest first), SIGKILL what is left."""
    alive = [pid for pid in reversed(pids.values()) if _ours(pid)]
    for pid in alive:
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_ours(pid) for pid in alive):
        time.sleep(0.2)
    for pid in alive:
        if _ours(pid):
            os.killpg(pid, signal.SIGKILL)


def default_cluster() -> Cluster:
    """The cluster of ``make run-cluster``: the settings' ports, data under var/cluster/."""
    base = Settings.load()
    return Cluster(base, ROOT / "var" / "cluster", Layout.from_settings(base))


def restart_part(cluster: Cluster, part: str, n: int) -> int:
    """``restart PART [N]``: start one part of the running cluster again (it died or was stopped)."""
    if not cluster.state_file.is_file():
        print("No cluster runs here; start it with 'make run-cluster'.", file=sys.stderr)
        return 1
    cluster.attach()
    name = part if part in ("redis", "postgres") else f"{part}-{n}"
    deadline = time.monotonic() + 5  # a server killed a moment ago may still be going away
    while part == "postgres" and cluster.pg is not None and cluster.pg.running() and time.monotonic() < deadline:
        time.sleep(0.2)
    if name in cluster.running() or (part == "postgres" and cluster.pg is not None and cluster.pg.running()):
        print(f"{name} still runs; only a part that died is started again.", file=sys.stderr)
        return 1
    cluster.restart(part, n)
    print(f"{name} runs again.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``start`` (returns when healthy; the processes stay), ``stop`` or ``restart PART [N]``."""
    args = argv if argv is not None else sys.argv[1:] or ["start"]
    action = args[0]
    cluster = default_cluster()
    if action == "stop":
        cluster.stop()
        print("Cluster stopped.")
        return 0
    if action == "restart":
        if len(args) < 2 or args[1] not in PARTS:
            print(f"usage: python -m scripts.cluster restart {{{'|'.join(PARTS)}}} [N]", file=sys.stderr)
            return 2
        try:
            return restart_part(cluster, args[1], int(args[2]) if len(args) > 2 else 1)
        except (RuntimeError, TimeoutError, ValueError) as exc:
            print(exc, file=sys.stderr)
            return 1
    if cluster.running():
        print(f"The cluster runs already ({', '.join(cluster.running())}); stop it with 'make stop-cluster'.")
        return 1
    cluster.stop()  # what a crashed run left (PostgreSQL, a stray process)
    print(f"Starting the cluster ({INSTANCES} of each: Rasa, action server, web service; logs in {cluster.logs}) ...")
    try:
        cluster.start(progress=True)
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        cluster.stop()
        return 1
    public = cluster.base.servers.public_url
    print(f"\nThe cluster is ready behind nginx on port {cluster.layout.public}.")
    print(f"  Chat:     {public}/chat\n  Console:  {public}/console/\n  Health:   {public}/health")
    for kind in ("web", "rasa", "actions"):
        print(f"  {kind:8}  " + ", ".join(cluster.instance_url(kind, n) for n in range(1, INSTANCES + 1)))
    print("Stop it with 'make stop-cluster'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
