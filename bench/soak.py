"""Soak of the cluster (issue 15, not in CI): M employees chatting through nginx for N minutes, with think time.

    .venv/bin/python -m bench.soak                    # 10 minutes x 200 conversations on the running cluster
    .venv/bin/python -m bench.soak --own --minutes 3 --conversations 100   # on a cluster of its own (free ports)

Without ``--own`` it drives the cluster of ``make run-cluster`` (``var/cluster/state.json``); with ``--own`` it starts
one exactly as ``make test-cluster`` does (throwaway PostgreSQL under /tmp) and stops it afterwards. Each employee
talks one knowledge conversation after the other (five turns through the web chat API, a new chat session each;
``--think`` seconds between turns) until the time is up. Reported: turns/s, latency percentiles, errors by kind,
the RSS of every process (PostgreSQL: the server with its backends, shared memory counted in each) and
PostgreSQL's client connections per database, at the start and at the end. ``--out FILE`` writes the JSON too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import tree_rss_mb
from bench.load_client import Entry, Tally, client, knowledge_conversations, talk
from scripts.cluster import Cluster, Layout, default_cluster
from settings import Settings


def rss(cluster: Cluster) -> dict[str, int]:
    """RSS in MB of each process of the cluster (a dead one: 0)."""
    out: dict[str, int] = {}
    pids = {name: p.pid for name, p in cluster.procs.items()} or json.loads(cluster.state_file.read_text())["pids"]
    assert cluster.pg is not None and cluster.pg.running()
    pids["postgres"] = int((cluster.pg.data / "postmaster.pid").read_text().split()[0])
    for name, pid in sorted(pids.items()):
        try:
            out[name] = round(tree_rss_mb(pid))
        except (FileNotFoundError, ProcessLookupError):
            out[name] = 0
    return out


def connections(cluster: Cluster) -> dict[str, int]:
    """PostgreSQL's client connections per database (pg_stat_activity)."""
    assert cluster.pg is not None
    with cluster.pg._admin() as conn:  # noqa: SLF001 - the superuser's socket connection of ops/pg.py
        rows = conn.execute(
            "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return {name: count for name, count in rows}


def snapshot(cluster: Cluster) -> dict[str, Any]:
    """RSS of each process and PostgreSQL's connections now."""
    return {"rss_mb": rss(cluster), "pg_connections": connections(cluster)}


async def soak(base: str, conversations: int, seconds: float, think: tuple[float, float], ramp: float) -> dict:
    """``conversations`` employees, arriving over ``ramp`` seconds, each chatting until ``seconds`` are up."""
    tally = Tally()
    script = knowledge_conversations(997)
    started = time.monotonic()
    deadline = started + seconds
    async with client(conversations) as http:
        path = Entry("web", base, http)

        async def employee(i: int) -> None:
            rng = random.Random(i)
            await asyncio.sleep(ramp * i / conversations)
            k = i
            while time.monotonic() < deadline:
                await talk(path, script[k % len(script)], tally, think, rng)
                k += conversations
                await asyncio.sleep(rng.uniform(*think))

        await asyncio.gather(*(employee(i) for i in range(conversations)))
    return tally.summary(time.monotonic() - started)


def own_cluster() -> tuple[Cluster, Path]:
    """A cluster on free ports in a folder under /tmp, as ``make test-cluster`` starts it."""
    folder = Path(tempfile.mkdtemp(prefix="servicedesk-soak-"))
    folder.chmod(0o755)
    layout = Layout.free()
    base = Settings.load().override(
        SERVICEDESK_PUBLIC_URL=f"http://127.0.0.1:{layout.public}",
        SERVICEDESK_SECRET_KEY=secrets.token_urlsafe(24),
        SERVICEDESK_ADMIN_PASSWORD=secrets.token_urlsafe(24),  # a throwaway cluster: no first password to note
    )
    return Cluster(base, folder, layout, fast_pg=True), folder


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which the employees arrive")
    parser.add_argument("--own", action="store_true", help="start a cluster of its own on free ports")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = parser.parse_args(argv)
    folder: Path | None = None
    if args.own:
        cluster, folder = own_cluster()
        print(f"Starting a cluster of its own in {folder} ...", flush=True)
        cluster.start(progress=True)
    else:
        cluster = default_cluster()
        if not cluster.running():
            print("No cluster runs: start it with 'make run-cluster', or pass --own.", file=sys.stderr)
            return 1
        cluster.attach()
    try:
        base = f"http://127.0.0.1:{cluster.layout.public}"
        figures: dict[str, Any] = {
            "minutes": args.minutes,
            "conversations": args.conversations,
            "think_s": list(args.think),
            "start": snapshot(cluster),
        }
        print(f"Soak: {args.conversations} conversations for {args.minutes} min through {base} ...", flush=True)
        seconds = args.minutes * 60
        figures["load"] = asyncio.run(soak(base, args.conversations, seconds, tuple(args.think), args.ramp))
        figures["end"] = snapshot(cluster)
    finally:
        if folder is not None:
            cluster.stop()
            shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
