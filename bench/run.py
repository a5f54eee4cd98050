#!/usr/bin/env python3
"""roster benchmarks: generated directories of 1k, 10k and 100k users on
SQLite and PostgreSQL; wall time and peak memory of the whole process for
validate, plan (no-op and with 1% of users changed), apply of 10,000 new
users, drift and export. Prints a Markdown table.

    python3 bench/run.py                      # 1k, 10k, 100k on both engines
    python3 bench/run.py --sizes 1000,10000 --engines sqlite

Needs a release build (made here) and, for PostgreSQL, a server at
127.0.0.1:5432 where user postgres may create databases (override with
ROSTER_BENCH_POSTGRES=postgres://user@host:port). Work files go to
bench/work/ (reused across runs: same seed, same bytes).
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
BIN = ROOT / "target" / "release" / "roster"
NOW = "2026-11-22T00:00:00Z"
SEED = 42
ONBOARD = 10_000


def run(args, env=None, check=True):
    """Runs roster; returns (seconds, peak MiB, exit code)."""
    full_env = dict(os.environ, ROSTER_NOW=NOW, NO_COLOR="1", **(env or {}))
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if check and code not in (0, 2):
        sys.exit(f"roster {' '.join(args)} failed ({code}):\n{stderr.decode()}")
    return seconds, usage.ru_maxrss / 1024, code


def best(args, repeat, env=None):
    """The fastest of `repeat` runs, and the largest peak memory."""
    results = [run(args, env) for _ in range(repeat)]
    return min(r[0] for r in results), max(r[1] for r in results)


def generate(size):
    base = WORK / f"{size}"
    config = base / "config"
    if not config.exists():
        base.mkdir(parents=True, exist_ok=True)
        run(["generate", "--users", str(size), "--seed", str(SEED), "--out", str(config),
             "--onboarding", str(base / "onboarding.yaml"), "--onboarding-users", str(ONBOARD)])
        # 1% of the users changed: a copy sharing every other file.
        changed = base / "changed"
        subprocess.run(["cp", "-al", str(config), str(changed)], check=True)
        users = sorted((changed / "users").iterdir())
        for path in users[:: 100]:
            text = path.read_text().replace("    last_name: ", "    last_name: Changed-", 1)
            path.unlink()
            path.write_text(text)
        # The directory plus 10,000 new hires.
        onboard = base / "onboard"
        subprocess.run(["cp", "-al", str(config), str(onboard)], check=True)
        shutil.copy(base / "onboarding.yaml", onboard / "onboarding.yaml")
        # roster's cache trusts a file's stamp only once the file is older
        # than the racy window (2 s), as git's index does.
        time.sleep(2.5)
    return base


class Database:
    def __init__(self, engine, name):
        self.engine, self.name = engine, name
        if engine == "sqlite":
            self.path = WORK / f"{name}.db"
            for suffix in ("", "-wal", "-shm", ".apply-lock"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.url = str(self.path)
        else:
            admin = os.environ.get("ROSTER_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
            subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
            subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
            self.url = f"{admin}/{name}"


def cell(measure):
    seconds, mib = measure
    return f"{seconds:.2f} s / {mib:.0f} MiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    engines = options.engines.split(",")

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    columns = ["validate (cold)", "validate (cached)", "plan no-op", "plan 1% changed",
               "apply 10k new users", "drift", "export"]
    rows = []
    for size in sizes:
        base = generate(size)
        config, changed, onboard = str(base / "config"), str(base / "changed"), str(base / "onboard")
        cache = base / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        # Warm the page cache, then measure without and with roster's cache.
        run(["validate", config], env={"ROSTER_CACHE": "off"})
        cold = best(["validate", config], options.repeat, env={"ROSTER_CACHE": "off"})
        cached_env = {"ROSTER_CACHE_DIR": str(cache)}
        run(["validate", config], env=cached_env)
        run(["validate", changed], env=cached_env)
        warm = best(["validate", config], options.repeat, env=cached_env)
        for engine in engines:
            db = Database(engine, f"roster_bench_{engine}_{size}")
            env = dict(cached_env, ROSTER_DATABASE_URL=db.url)
            run(["generate", "--users", str(size), "--seed", str(SEED), "--database-url", db.url])
            noop = best(["plan", config, "--detailed-exitcode"], options.repeat, env)
            one_percent = best(["plan", changed, "--detailed-exitcode"], options.repeat, env)
            drift = best(["drift", config], options.repeat, env)
            exports = []
            for i in range(options.repeat):
                out = WORK / f"export-{engine}-{size}"
                shutil.rmtree(out, ignore_errors=True)
                exports.append(run(["export", "--out", str(out), "--layout", "per-user"], env))
                shutil.rmtree(out, ignore_errors=True)
            export = (min(e[0] for e in exports), max(e[1] for e in exports))
            run(["validate", onboard], env=cached_env)
            apply = run(["apply", onboard, "--yes"], env)[:2]
            rows.append((size, engine, [cold, warm, noop, one_percent, apply, drift, export]))
            print(f"{size} users on {engine}: " + ", ".join(f"{c} {cell(m)}" for c, m in zip(columns, rows[-1][2])),
                  file=sys.stderr)

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}; "
          f"best of {options.repeat} runs, wall time / peak memory of the whole process.\n")
    print("| users | engine | " + " | ".join(columns) + " |")
    print("|---:|---|" + "---:|" * len(columns))
    for size, engine, measures in rows:
        print(f"| {size:,} | {engine} | " + " | ".join(cell(m) for m in measures) + " |")
    for engine in engines:
        by_size = {size: m for size, e, m in rows if e == engine}
        for small, large in zip(sizes, sizes[1:]):
            if small in by_size and large in by_size:
                ratios = [by_size[large][i][0] / max(by_size[small][i][0], 1e-9) for i in range(len(columns))]
                print(f"\n{engine}, {large:,} vs {small:,} users ({large // small}×): time × "
                      + ", ".join(f"{c} {r:.1f}" for c, r in zip(columns, ratios)))


if __name__ == "__main__":
    main()
