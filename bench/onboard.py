#!/usr/bin/env python3
"""Benchmark of `roster onboard`: a 10,000-row HR export into a copy of
examples/acme, once in the per-user layout (a folder: 10,000 new files)
and once appended to a single-file config; then the same CSV again (no
change). Wall time of the whole process, against the 2 s target.

    python3 bench/onboard.py          # needs `cargo build --release`

Work files go to bench/work/onboard/ (made afresh each run).
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "onboard"
BIN = Path(os.environ.get("ROSTER_BIN", ROOT / "target" / "release" / "roster"))
ROWS = 10_000
TARGET = 2.0
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"]
GROUPS = ["db-oncall", "web-oncall", "platform", "support"]


def csv_text():
    lines = ["Work Email,First Name,Last Name,Employee ID,Mobile,Time Zone,Team"]
    for n in range(ROWS):
        lines.append(
            f"starter{n:05}@acme.example,First{n},Last{n},HR-{100000 + n},"
            f"+49 151 {20000000 + n},{ZONES[n % 4]},{GROUPS[n % 4]}"
        )
    return "\n".join(lines) + "\n"


def timed(args):
    start = time.perf_counter()
    run = subprocess.run(args, cwd=WORK, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{run.stderr[-2000:]}")
    return elapsed


def main():
    if not BIN.exists():
        sys.exit("build first: cargo build --release")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    (WORK / "starters.csv").write_text(csv_text())
    shutil.copytree(ROOT / "examples" / "acme", WORK / "acme")
    (WORK / "single.yaml").write_text(SINGLE)
    rows = [
        ("per-user layout, 10,000 new files", [BIN, "onboard", "starters.csv", "--into", "acme"]),
        ("per-user layout, same CSV again", [BIN, "onboard", "starters.csv", "--into", "acme"]),
        ("single file, 10,000 appended", [BIN, "onboard", "starters.csv", "--into", "single.yaml"]),
        ("single file, same CSV again", [BIN, "onboard", "starters.csv", "--into", "single.yaml"]),
    ]
    print(f"roster onboard, {ROWS:,} rows (target ≤ {TARGET} s)")
    worst = 0.0
    for name, args in rows:
        seconds = timed([str(a) for a in args])
        worst = max(worst, seconds)
        print(f"  {name:40} {seconds:6.2f} s")
    print("ok" if worst <= TARGET else "OVER TARGET")


SINGLE = """\
version: 1
account: { owner: alice }
users:
  - email: alice@acme.example
    username: alice
    first_name: Alice
    last_name: Nguyen
    roles: [app_admin]
    contact_methods:
      - { channel: email, label: official, value: alice@acme.example }
groups:
  - { name: db-oncall, members: [{ user: alice, roles: [primary, manager] }] }
  - { name: web-oncall, members: [{ user: alice, roles: [primary, manager] }] }
  - { name: platform, members: [{ user: alice, roles: [primary, manager] }] }
  - { name: support, members: [{ user: alice, roles: [primary, manager] }] }
"""

if __name__ == "__main__":
    main()
