#!/usr/bin/env python3
"""WebCal feed benchmark (SPEC section 7: a feed request <= 20 ms at the
99th percentile while 50 clients poll). Generates the reference directory
(100,000 users, seeded shifts) into SQLite and PostgreSQL, issues feed URLs
for people and groups spread over it with `roster calendar --feed-url`,
runs `roster serve` and measures on loopback, bounded in time: 50 clients
polling on a fixed schedule (10 requests a second each, far more often than
calendar apps ask), then wrk flat out (50 connections, each asking again as
soon as answered) for the most the server can answer. Prints Markdown.

    python3 bench/feeds.py                      # 100,000 users, both engines
    python3 bench/feeds.py --users 10000 --engines sqlite --duration 10

Needs `wrk` (Debian: apt-get install wrk), a release build (made here) and,
for PostgreSQL, a server at 127.0.0.1:5432 (ROSTER_BENCH_POSTGRES as in
bench/run.py). Work files go to bench/work/feeds/.
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "feeds"
BIN = ROOT / "target" / "release" / "roster"
NOW = "2026-11-22T00:00:00Z"
SEED = 42


def roster(args, url, check=True):
    env = dict(os.environ, ROSTER_NOW=NOW, NO_COLOR="1", ROSTER_DATABASE_URL=url)
    proc = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"roster {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def database(engine, users):
    """A fresh database holding the generated directory; its URL."""
    name = f"roster_bench_feeds_{users}"
    if engine == "sqlite":
        path = WORK / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = str(path)
    else:
        admin = os.environ.get("ROSTER_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        url = f"{admin}/{name}"
    roster(["generate", "--users", str(users), "--seed", str(SEED), "--database-url", url], url)
    if engine == "postgres":
        # What autovacuum does within minutes of a bulk load: without
        # statistics the planner guesses, and scans.
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    return url


def names(engine, url, table, column, every):
    query = f"SELECT {column} FROM {table} ORDER BY id"
    if engine == "sqlite":
        with sqlite3.connect(url) as conn:
            rows = [r[0] for r in conn.execute(query)]
    else:
        out = subprocess.run(["psql", url, "-Atc", query], check=True, capture_output=True, text=True).stdout
        rows = out.splitlines()
    return rows[::every]


def issue(url, subjects):
    paths = []
    for args in subjects:
        out = roster(["calendar", "--feed-url", *args], url).stdout
        paths.append(re.search(r"/feeds/[0-9a-f]+\.ics", out.splitlines()[0]).group(0))
    return paths


def serve(url, connections):
    env = dict(os.environ, ROSTER_NOW=NOW, NO_COLOR="1", ROSTER_DATABASE_URL=url)
    proc = subprocess.Popen([str(BIN), "serve", "--listen", "127.0.0.1:0", "--connections", str(connections)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()
    address = re.search(r"http://(\S+)", first).group(1)
    # The log (one line per request) is drained and dropped.
    subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
    return proc, address


def wrk(address, script, connections, seconds):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
                          "-s", str(script), f"http://{address}"], check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    rate = float(re.search(r"Requests/sec:\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return percentiles, rate, int(errors.group(1)) if errors else 0, out


def poll(address, paths, clients, per_second, seconds):
    """`clients` calendar apps, each asking for its feed `per_second`
    times a second on its own connection, on a fixed schedule (latency
    counts from when a request was due, so a slow server cannot hide its
    delays by delaying the next request). Returns the latencies in ms."""
    import asyncio

    latencies, failures = [], 0
    host, port = address.rsplit(":", 1)

    async def client(i):
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        loop = asyncio.get_running_loop()
        start = loop.time() + i / (clients * per_second)
        k = 0
        while True:
            due = start + k / per_second
            if due > began + seconds:
                break
            await asyncio.sleep(max(0, due - loop.time()))
            path = paths[(i * 7919 + k) % len(paths)]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                failures += 1
            latencies.append((loop.time() - due) * 1000)
            k += 1
        writer.close()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    began = loop.time()
    loop.run_until_complete(asyncio.gather(*(client(i) for i in range(clients))))
    loop.close()
    return sorted(latencies), failures


def percentile(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--server-connections", type=int, default=4)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the databases and feeds of the last run (same users)")
    parser.add_argument("--per-second", type=float, default=10.0,
                        help="how often each polling client asks for its feed")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for engine in options.engines.split(","):
        script = WORK / f"paths-{engine}-{options.users}.lua"
        name = f"roster_bench_feeds_{options.users}"
        admin = os.environ.get("ROSTER_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        url = str(WORK / f"{name}.db") if engine == "sqlite" else f"{admin}/{name}"
        if options.reuse and script.exists():
            text = script.read_text()
            paths = re.findall(r'"(/feeds/[^"]+)"', text)
            counts = re.search(r"-- (\d+) people, (\d+) groups", text)
            people, groups = [None] * int(counts.group(1)), [None] * int(counts.group(2))
        else:
            url = database(engine, options.users)
            people = names(engine, url, "users", "username", max(1, options.users // 400))
            groups = names(engine, url, "groups", "name", 20)
            paths = issue(url, [[p] for p in people] + [["--group", g] for g in groups])
        script.write_text(f"-- {len(people)} people, {len(groups)} groups\n" + "paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n" + """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
""")
        server, address = serve(url, options.server_connections)
        try:
            wrk(address, script, options.clients, 3)  # warm-up
            percentiles, rate, errors, raw = wrk(address, script, options.clients, options.duration)
            polled, failures = poll(address, paths, options.clients, options.per_second, options.duration)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(raw, file=sys.stderr)
        rows.append((engine, len(people), len(groups), percentiles, rate, errors, polled, failures))
    print(f"{options.users:,} users; feeds of {rows[0][1]} people and {rows[0][2]} groups, taken in turn.\n")
    print(f"Polling: {options.clients} clients, each asking for a feed {options.per_second:g} times a second "
          f"on a fixed schedule, {options.duration} s.\n")
    print("| engine | requests | p50 | p90 | p99 | max | not 200 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for engine, _, _, _, _, _, polled, failures in rows:
        print(f"| {engine} | {len(polled):,} | {percentile(polled, 50):.1f} ms | {percentile(polled, 90):.1f} ms | "
              f"{percentile(polled, 99):.1f} ms | {polled[-1]:.1f} ms | {failures} |")
    print(f"\nFlat out (wrk): {options.clients} connections, each asking again as soon as answered, "
          f"{options.duration} s.\n")
    print("| engine | requests/s | p50 | p90 | p99 | not 2xx/3xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for engine, _, _, p, rate, errors, _, _ in rows:
        print(f"| {engine} | {rate:,.0f} | {p.get('50')} | {p.get('90')} | {p.get('99')} | {errors} |")


if __name__ == "__main__":
    main()
