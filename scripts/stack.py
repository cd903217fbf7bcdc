"""Start and stop the three processes of the assistant: Rasa, the action server, the web service.

Used by ``make run`` and by the integration tests, so both run exactly the same commands.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from desk.db import private_sqlite_file
from settings import ROOT, Settings

RASA_MODEL = ROOT / "var" / "rasa" / "models" / "servicedesk.tar.gz"  # the default of SERVICEDESK_RASA_MODEL
RASA_LOGS = {"LOG_LEVEL": "INFO", "LOG_LEVEL_LIBRARIES": "ERROR"}  # Rasa's own levels (read from its environment)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_settings(tmp: Path, base: Settings | None = None, **extra: str) -> Settings:
    """Settings for a stack of its own: free ports, its own var folder and tracker database.

    Used by the integration tests, the benchmarks and ``make eval-chat`` so that none of them collides
    with a running ``make run`` or with another program's port. ``extra`` adds ``SERVICEDESK_*`` values.
    """
    base = base or Settings.load()
    web = free_port()
    env = base.as_env() | {
        "SERVICEDESK_WEB_PORT": str(web),
        "SERVICEDESK_RASA_PORT": str(free_port()),
        "SERVICEDESK_ACTION_PORT": str(free_port()),
        "SERVICEDESK_PUBLIC_URL": f"http://127.0.0.1:{web}",
        "SERVICEDESK_TRACKER_DB": str(tmp / "tracker.db"),
        "SERVICEDESK_VAR_DIR": str(tmp),
    }
    return Settings.load(env=env | extra, dotenv=tmp / "none.env")


def child_env(settings: Settings) -> dict[str, str]:
    """Environment for the children: settings as variables (Rasa's endpoints.yml reads them)."""
    env = dict(os.environ)
    env.update(settings.as_env())
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "SANIC_HOST": settings.servers.host,
        }
    )
    return env


def commands(settings: Settings, rasa_model: Path | None = None) -> dict[str, list[str]]:
    """The command line of each process; everything binds to loopback."""
    return {
        "rasa": [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "run",
            "--enable-api",
            "--interface",
            settings.servers.host,
            "--port",
            str(settings.servers.rasa_port),
            "--model",
            str(rasa_model or settings.servers.rasa_model),
            "--endpoints",
            str(settings.servers.rasa_endpoints),
            "--credentials",
            str(ROOT / "bot/credentials.yml"),
        ],
        "actions": [str(ROOT / ".venv/bin/python"), "-m", "actions.server"],
        "web": [str(ROOT / ".venv/bin/python"), "-m", "web.app"],
    }


def launch(settings: Settings, name: str, log: Path, rasa_model: Path | None = None) -> subprocess.Popen:
    """Start one process (``rasa``, ``actions`` or ``web``) in a session of its own, appending to ``log``.

    Rasa needs ports and paths, not the installation secret or the admin password; and it logs at INFO whatever an
    operator's LOG_LEVEL says (its debug log contains message texts).
    """
    env = child_env(settings)
    if name == "rasa":
        secrets = Settings.secret_variables()
        env = {k: v for k, v in env.items() if k not in secrets} | RASA_LOGS
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            commands(settings, rasa_model)[name],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def terminate(procs: list[subprocess.Popen], timeout: float = 15.0) -> None:
    """SIGTERM each process group, then SIGKILL what is left after ``timeout``."""
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file (empty when there is none), for error messages."""
    if not path.is_file():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """The running processes; logs go to ``var/logs/<name>.log``."""

    settings: Settings
    rasa_model: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, only: tuple[str, ...] = ("rasa", "actions", "web")) -> None:
        """Start the processes in the background."""
        model = self.rasa_model or self.settings.servers.rasa_model
        if not model.is_file() and "rasa" in only:
            raise FileNotFoundError(f"no trained Rasa model at {model}: run 'make build'")
        logs = self.settings.records.var_dir / "logs"
        # Rasa's tracker store holds every message: created here as 0600, so Rasa opens a private file.
        private_sqlite_file(self.settings.servers.tracker_db)
        for name in commands(self.settings, model):
            if name in only:
                self.procs[name] = launch(self.settings, name, logs / f"{name}.log", model)

    def dead(self) -> list[str]:
        """Names of processes that exited."""
        return [n for n, p in self.procs.items() if p.poll() is not None]

    def health(self) -> tuple[int, dict]:
        """Status code and body of the web service's ``/health`` (0 when not reachable)."""
        try:
            resp = httpx.get(f"{self.settings.servers.web_url}/health", timeout=5)
            return resp.status_code, resp.json()
        except (httpx.HTTPError, ValueError):
            return 0, {}

    def wait_healthy(self, timeout: float = 300.0, progress: bool = False) -> dict:
        """Block until ``/health`` says ok; raise with the missing parts and log tails otherwise."""
        deadline = time.monotonic() + timeout
        last_report = 0.0
        body: dict = {}
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"process exited: {self.dead()}\n{self.log_tails()}")
            code, body = self.health()
            if code == 200:
                return body
            if progress and time.monotonic() - last_report > 10:
                missing = ", ".join(body.get("missing", [])) or "web service"
                print(f"  ... waiting for: {missing} (Rasa needs about a minute to load its model)", flush=True)
                last_report = time.monotonic()
            time.sleep(1)
        raise TimeoutError(f"not healthy after {timeout:.0f} s: {body}\n{self.log_tails()}")

    def log_tails(self, lines: int = 25) -> str:
        """Last lines of each log, for error messages."""
        logs = self.settings.records.var_dir / "logs"
        return "\n".join(f"--- {name} ---\n{tail(logs / f'{name}.log', lines)}" for name in self.procs)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM each process group, then SIGKILL what is left."""
        terminate(list(self.procs.values()), timeout)
        self.procs.clear()


if __name__ == "__main__":  # pragma: no cover - convenience
    print(commands(Settings.load()), file=sys.stderr)
