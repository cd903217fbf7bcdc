"""``make run``: start the assistant, wait until it is healthy, stop everything on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import time

from scripts.stack import Stack
from scripts.users import announce_first_admin
from settings import Servers, Settings


def widget_origins(servers: Servers) -> str:
    """Where the widget may be embedded, as ``make run`` tells it (pages of other origins cannot use the chat)."""
    own = "/".join(servers.public_url.split("/")[:3])
    others = sorted(o.rstrip("/") for o in servers.allowed_origins)
    if not others:
        return f"only on {own} itself; add your intranet to SERVICEDESK_ALLOWED_ORIGINS to embed it there"
    return f"{', '.join([own, *others])} (SERVICEDESK_ALLOWED_ORIGINS)"


def main() -> int:
    """Run until interrupted or until a part dies."""
    settings = Settings.load()
    stack = Stack(settings)
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    announce_first_admin(settings)
    print("Starting Rasa, the action server and the web service (logs in var/logs/) ...", flush=True)
    try:
        stack.start()
        while not stopping:
            try:
                stack.wait_healthy(timeout=5, progress=True)
                break
            except TimeoutError:
                continue
        if not stopping:
            print("\nThe assistant is ready.", flush=True)
            print(f"  Chat:        {settings.servers.public_url}/chat", flush=True)
            print(
                f"  Console:     {settings.servers.public_url}/console/  (agents; accounts: python -m scripts.users)",
                flush=True,
            )
            print(f"  Editor:      {settings.servers.public_url}/editor/  (role editor)", flush=True)
            print(f"  Insights:    {settings.servers.public_url}/insights/  (role lead)", flush=True)
            print(f"  Widget:      {settings.servers.public_url}/widget.js, allowed on pages of", flush=True)
            print(f"               {widget_origins(settings.servers)}", flush=True)
            print(f"  Admin:       {settings.servers.public_url}/admin/  (role admin: privacy)", flush=True)
            print(f"  Health:      {settings.servers.public_url}/health", flush=True)
            print(f"  Search API:  {settings.servers.public_url}/api/knowledge/search?q=Drucker", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
        while not stopping:
            if stack.dead():
                print(f"A part stopped unexpectedly: {stack.dead()}\n{stack.log_tails()}", file=sys.stderr)
                return 1
            time.sleep(1)
    except (RuntimeError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        print("\nStopping ...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
