"""Redis and nginx of our own for ``make run-cluster``: Debian's binaries, our config, our folders.

Like ``ops/pg.py`` for PostgreSQL, neither touches the system's service (``scripts/setup_cluster.sh`` installs the
packages). Both run in the foreground as children in a session of their own, so the cluster can stop them by
process group; their config is rendered from ``deploy/nginx/`` (ports and paths only).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from settings import ROOT

NGINX_TEMPLATES = ROOT / "deploy" / "nginx"
PLACEHOLDER = re.compile(r"@([A-Z0-9_]+)@")
SERVICE_USERS = ("postgres", "nobody")  # who must reach the shared folder when we are root (PostgreSQL, nginx)


def render(template: str, values: dict[str, object]) -> str:
    """``@NAME@`` placeholders filled from ``values``; a placeholder without a value is an error, not left in."""
    missing = sorted({m for m in PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def reachable(path: Path, users: tuple[str, ...] = SERVICE_USERS) -> bool:
    """Whether the service users can enter ``path`` (always true when we are not root: they run as us)."""
    if os.geteuid() != 0:
        return True
    for user in users:
        done = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            return False
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_port(port: int, proc: subprocess.Popen, name: str, log: Path, timeout: float = 20.0) -> None:
    """Poll until ``port`` accepts connections; fail with the log's tail if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited ({proc.returncode}): {_tail(log)}")
        if port_open(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{name} not listening on {port} after {timeout:.0f} s: {_tail(log)}")


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.is_file() else "(no log)"


def _binary(name: str, fallback: str) -> str:
    found = shutil.which(name) or (fallback if Path(fallback).exists() else None)
    if not found:
        raise RuntimeError(f"{name} is not installed (scripts/setup_cluster.sh installs Debian's package)")
    return found


@dataclass
class Redis:
    """Rasa's lock store: a Redis on loopback without persistence (locks live for one message)."""

    folder: Path
    port: int

    def start(self, log: Path) -> subprocess.Popen:
        """Start it and wait until it listens."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        args = [_binary("redis-server", "/usr/bin/redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.folder), "--save", "", "--appendonly", "no", "--daemonize", "no"]
        args += ["--logfile", str(log), "--protected-mode", "yes"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_port(self.port, proc, "redis-server", log)
        return proc


@dataclass
class Nginx:
    """nginx in the foreground with deploy/nginx/nginx.conf around deploy/nginx/servicedesk.conf."""

    run: Path  # pid, rendered config and temporary files; the worker user must reach it (see ``reachable``)
    logs: Path

    def render(self, ports: dict[str, int], public_host: str = "127.0.0.1") -> Path:
        """Write both configs with these ports (``WEB_1``, ``RASA_PROXY`` ...); the main config's path."""
        self.run.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run, 0o755)
        values: dict[str, object] = {**ports, "PUBLIC_HOST": public_host, "RUN": self.run, "LOGS": self.logs}
        (self.run / "servicedesk.conf").write_text(render((NGINX_TEMPLATES / "servicedesk.conf").read_text(), values))
        main = self.run / "nginx.conf"
        main.write_text(render((NGINX_TEMPLATES / "nginx.conf").read_text(), values))
        return main

    def command(self, config: Path) -> list[str]:
        """The command line of nginx for ``config`` (``-e``: its first error log before the config is read)."""
        binary = _binary("nginx", "/usr/sbin/nginx")
        return [binary, "-c", str(config), "-p", str(self.run), "-e", str(self.logs / "nginx-error.log")]

    def check(self, config: Path) -> None:
        """``nginx -t``: refuse a config nginx would not load."""
        done = subprocess.run([*self.command(config), "-t", "-q"], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {done.stderr.strip()[-2000:]}")

    def start(self, config: Path, port: int) -> subprocess.Popen:
        """Check the config, start nginx and wait until it listens on ``port``."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.check(config)
        log = self.logs / "nginx-error.log"
        proc = subprocess.Popen(
            self.command(config), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_port(port, proc, "nginx", log)
        return proc
