#!/usr/bin/env python3
"""WebCal feed benchmark (SPEC section 7: a feed request <= 20 ms at the
99th percentile while 50 clients poll). Generates the reference directory
(100,000 users, seeded shifts) into SQLite and PostgreSQL, issues feed URLs
for people and groups spread over it with `roster calendar --feed-url`,
runs `roster serve` and loads it on loopback with wrk (50 connections, each
asking for the next feed as soon as it has one: a harder load than 50
calendar apps polling), bounded in time. Prints a Markdown table.

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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--server-connections", type=int, default=4)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for engine in options.engines.split(","):
        url = database(engine, options.users)
        people = names(engine, url, "users", "username", max(1, options.users // 400))
        groups = names(engine, url, "groups", "name", 20)
        paths = issue(url, [[p] for p in people] + [["--group", g] for g in groups])
        script = WORK / f"paths-{engine}.lua"
        script.write_text("paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n" + """
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
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(raw, file=sys.stderr)
        rows.append((engine, len(people), len(groups), percentiles, rate, errors))
    print(f"| users | engine | feeds | clients | p50 | p90 | p99 | requests/s | errors |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for engine, people, groups, p, rate, errors in rows:
        print(f"| {options.users:,} | {engine} | {people} people + {groups} groups | {options.clients} | "
              f"{p.get('50')} | {p.get('90')} | {p.get('99')} | {rate:,.0f} | {errors} |")


if __name__ == "__main__":
    main()
