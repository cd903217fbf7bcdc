"""Monday 8:00 on two cores: capacity, latency, burst, long conversations and memory (``make bench``).

Starts its own stack on free loopback ports, once with the query-embedding cache on and once with it
off, and measures:

- capacity, closed loop N = 1, 8, 16 (no think time) through Rasa's REST webhook (the shared load
  generator, ``../shared/tools/loadgen.py``, run from its folder) and through the web chat API (the
  widget's path, ``bench/load_client.py``), with CPU milliseconds per turn of each process;
- 150 conversations with 2–8 s think time (REST);
- the burst: 300 employees starting an outage conversation within 60 s, twice (RSS after each);
- turn 30 against turn 3 of one long conversation;
- RSS of each process at rest.

Prints tables and writes everything to ``var/bench/throughput.json``. ``--quick`` shortens every
level (for trying it out; the figures in the README come from the full run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import load_client
from bench.common import cpu_seconds, tree_rss_mb
from scripts.stack import ROOT, Stack, isolated_settings

LOADGEN = Path(os.environ.get("SERVICEDESK_LOADGEN", ROOT.parent / "shared" / "tools" / "loadgen.py"))
PROCS = ("rasa", "actions", "web")


def rss(stack: Stack) -> dict[str, float]:
    return {p: round(tree_rss_mb(stack.procs[p].pid)) for p in PROCS}


def cpu(stack: Stack) -> dict[str, float]:
    return {p: cpu_seconds(stack.procs[p].pid) for p in PROCS}


def rest_levels(stack: Stack, script: Path, levels: str, seconds: float, think: str = "") -> list[dict]:
    """The shared load generator against Rasa's webhook; its JSON levels, CPU ms per turn added."""
    if not LOADGEN.is_file():
        raise FileNotFoundError(f"load generator not found at {LOADGEN} (set SERVICEDESK_LOADGEN)")
    out = script.with_suffix(".out.json")
    pids = ",".join(f"{p}={stack.procs[p].pid}" for p in PROCS)
    cmd = [sys.executable, LOADGEN.name, "--url", stack.settings.servers.rasa_url, "--script", str(script)]
    cmd += ["-c", levels, "-d", str(seconds), "--pids", pids, "--json-out", str(out)]
    if think:
        cmd += ["--think", think]
    subprocess.run(cmd, cwd=LOADGEN.parent, check=True, stdout=subprocess.DEVNULL, timeout=3600)
    result = json.loads(out.read_text())["levels"]
    for level in result:
        turns = max(level["turns_ok"], 1)
        level["errors"] += level["empty_replies"]  # an empty reply is an error here
        level["cpu_ms_per_turn"] = {p: round(v["cpu_s"] * 1000 / turns, 1) for p, v in level["procs"].items()}
    return result


def web_levels(stack: Stack, script: list[list[str]], levels: list[int], seconds: float) -> list[dict]:
    """The web chat API, closed loop, with CPU ms per turn of each process."""
    base = stack.settings.servers.public_url
    result = []
    for n in levels:
        asyncio.run(load_client.closed_loop("web", base, n, 2.0, script))  # warm-up, not measured
        before = cpu(stack)
        level = asyncio.run(load_client.closed_loop("web", base, n, seconds, script))
        after = cpu(stack)
        turns = max(int(level["turns"]), 1)
        level |= {
            "concurrency": n,
            "cpu_ms_per_turn": {p: round((after[p] - before[p]) * 1000 / turns, 1) for p in PROCS},
        }
        result.append(level)
    return result


def one_run(cache: bool, quick: bool, tmp: Path) -> dict:
    seconds = 6.0 if quick else 20.0
    settings = isolated_settings(tmp, SERVICEDESK_QUERY_CACHE_SIZE="4096" if cache else "0")
    stack = Stack(settings)
    stack.start()
    try:
        stack.wait_healthy(timeout=400)
        script = load_client.knowledge_conversations(40)
        script_file = tmp / "script.json"
        script_file.write_text(json.dumps(script, ensure_ascii=False))
        asyncio.run(load_client.closed_loop("rest", settings.servers.rasa_url, 4, 5.0, script))  # everything warm
        figures: dict = {"cache": cache, "rss_at_rest_mb": rss(stack)}
        print(f"\n== query cache {'on' if cache else 'off'}; RSS at rest {figures['rss_at_rest_mb']} MB", flush=True)
        figures["rest"] = rest_levels(stack, script_file, "1,8,16", seconds)
        figures["web"] = web_levels(stack, script, [1, 8, 16], seconds)
        print_capacity(figures)
        figures["think_150"] = rest_levels(stack, script_file, "150", 20.0 if quick else 40.0, think="2,8")[0]
        t = figures["think_150"]
        print(f"150 conversations, 2–8 s think: {t['turns_per_s']} turns/s, p95 {t['p95_ms']} ms, errors {t['errors']}")
        figures["burst"] = []
        for _ in range(2):
            employees, within = (60, 12.0) if quick else (300, 60.0)
            burst = asyncio.run(load_client.arrivals("rest", settings.servers.rasa_url, employees, within, (2.0, 8.0)))
            burst["rss_after_mb"] = rss(stack)
            figures["burst"].append(burst)
            print(
                f"burst {employees} in {within:.0f} s: p95 {burst['p95_ms']} ms, errors {burst['errors']}, "
                f"RSS after {burst['rss_after_mb']} MB",
                flush=True,
            )
        figures["long"] = long_turns(settings.servers.rasa_url, 2 if quick else 5)
        print(
            f"turn 30 / turn 3: {figures['long']['ratio']} ({figures['long']['turn3_ms']} → "
            f"{figures['long']['turn30_ms']} ms, medians)",
            flush=True,
        )
        return figures
    finally:
        stack.stop()


def long_turns(base: str, repeats: int) -> dict:
    runs = asyncio.run(load_client.long_conversation("rest", base, 30, repeats))
    t3 = statistics.median(r[2] for r in runs)
    t30 = statistics.median(r[29] for r in runs)
    return {"turn3_ms": round(t3, 1), "turn30_ms": round(t30, 1), "ratio": round(t30 / t3, 2), "runs": runs}


def print_capacity(figures: dict) -> None:
    print("| path | N | turns/s | p50 ms | p95 ms | errors | CPU ms/turn rasa / actions / web |")
    print("|---|---|---|---|---|---|---|")
    for path in ("rest", "web"):
        for lv in figures[path]:
            ms = lv["cpu_ms_per_turn"]
            print(
                f"| {path} | {lv['concurrency']} | {lv['turns_per_s']} | {lv['p50_ms']} | {lv['p95_ms']} | "
                f"{lv['errors']} | {ms['rasa']} / {ms['actions']} / {ms['web']} |",
                flush=True,
            )


def markdown(report: dict) -> str:
    """The README's tables from a saved report (``--report``)."""
    m = report["machine"]
    lines = [
        f"Run {report['started']}{' (--quick)' if report['quick'] else ''}: {m['cpus']} CPUs, {m['platform']}.",
        "",
    ]
    lines += ["| cache | path | N | turns/s | p50 ms | p95 ms | errors | CPU ms/turn Rasa / actions / web |"]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        for path in ("rest", "web"):
            for lv in run[path]:
                ms = lv["cpu_ms_per_turn"]
                lines.append(
                    f"| {'on' if run['cache'] else 'off'} | {path} | {lv['concurrency']} | {lv['turns_per_s']} | "
                    f"{lv['p50_ms']} | {lv['p95_ms']} | {lv['errors']} | {ms['rasa']} / {ms['actions']} / {ms['web']} |"
                )
    lines += ["", "| cache | scenario | turns/s | p95 ms | errors | RSS after (Rasa / actions / web MB) |"]
    lines += ["|---|---|---|---|---|---|"]
    for run in report["runs"]:
        cache, t = "on" if run["cache"] else "off", run["think_150"]
        lines.append(
            f"| {cache} | 150 conversations, 2–8 s think | {t['turns_per_s']} | {t['p95_ms']} | {t['errors']} | |"
        )
        for i, b in enumerate(run["burst"], 1):
            r = b["rss_after_mb"]
            lines.append(
                f"| {cache} | burst {i}: 300 employees within 60 s | {b['turns_per_s']} | {b['p95_ms']} | "
                f"{b['errors']} | {r['rasa']} / {r['actions']} / {r['web']} |"
            )
        lg, rest = run["long"], run["rss_at_rest_mb"]
        lines.append(
            f"| {cache} | turn 30 / turn 3 (medians) | | {lg['turn3_ms']} → {lg['turn30_ms']} ({lg['ratio']}×) | | |"
        )
        lines.append(f"| {cache} | at rest | | | | {rest['rasa']} / {rest['actions']} / {rest['web']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short levels, a small burst")
    parser.add_argument("--cache", choices=("on", "off", "both"), default="both")
    parser.add_argument("--report", type=Path, help="print the README tables of a saved report and stop")
    args = parser.parse_args()
    if args.report:
        print(markdown(json.loads(args.report.read_text())))
        return 0
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.cache]
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "runs": [],
    }
    for cache in modes:
        with tempfile.TemporaryDirectory(prefix="sd-bench-") as tmp:
            report["runs"].append(one_run(cache, args.quick, Path(tmp)))
    out = ROOT / "var" / "bench" / "throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nfigures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
