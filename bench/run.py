#!/usr/bin/env python3
"""roster benchmarks: generated directories of 2,000, 10,000 and 100,000
users on SQLite and PostgreSQL, and a one-user file; wall time and peak
memory of the whole process for validate (cold, cached, cached with one
file changed), plan (no-op and with 1% of users changed), apply of 10,000
new users, drift and export. Prints the table, then every figure of
SPEC section 7 next to its target.

    python3 bench/run.py                          # everything, both engines
    python3 bench/run.py --sizes 2000,10000 --engines sqlite
    python3 bench/run.py --terraform              # also Terraform on 2,000 users
    python3 bench/run.py --sizes 2000 --terraform-only

Needs a release build (made here) and, for PostgreSQL, a server at
127.0.0.1:5432 where user postgres may create databases (override with
ROSTER_BENCH_POSTGRES=postgres://user@host:port). Work files go to
bench/work/ (reused across runs: same seed, same bytes). The Terraform
side-by-side runs /usr/local/bin/terraform (or $TERRAFORM) on the same
2,000 users as `terraform_data` resources, no provider and no API at all,
and is skipped with a note when Terraform is absent.
"""

import argparse
import os
import platform
import shutil
import statistics
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
TERRAFORM = os.environ.get("TERRAFORM", "/usr/local/bin/terraform")
START_LOAD = 0.0

ONE_USER = """# yaml-language-server: $schema=../roster.schema.json
version: 1
account:
  owner: alice
users:
  - email: alice@acme.example
    username: alice
    first_name: Alice
    last_name: Nguyen
    roles: [app_admin]
    time_zone: Europe/Berlin
    contact_methods:
      - { channel: sms, label: personal, value: "+49 151 2345 6789" }
      - { channel: email, label: official, value: alice@acme.example }
"""


def run(args, env=None, check=True, cwd=None, binary=None):
    """Runs a process; returns (seconds, peak MiB, exit code, CPU seconds)."""
    full_env = dict(os.environ, ROSTER_NOW=NOW, NO_COLOR="1", **(env or {}))
    start = time.perf_counter()
    proc = subprocess.Popen([str(binary or BIN), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=full_env, cwd=cwd)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if check and code not in (0, 2):
        sys.exit(f"{binary or 'roster'} {' '.join(args)} failed ({code}):\n{stderr.decode()}")
    return seconds, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime


def best(args, repeat, env=None, prepare=None):
    """The fastest and the median of `repeat` runs, the largest peak
    memory and the least CPU time; `prepare(i)` runs before each."""
    results = []
    for i in range(repeat):
        if prepare:
            prepare(i)
        results.append(run(args, env))
    times = [r[0] for r in results]
    return min(times), max(r[1] for r in results), statistics.median(times), min(r[3] for r in results)


def generate(size):
    base = WORK / f"{size}"
    config = base / "config"
    if not config.exists():
        base.mkdir(parents=True, exist_ok=True)
        run(["generate", "--users", str(size), "--seed", str(SEED), "--out", str(config),
             "--onboarding", str(base / "onboarding.yaml"), "--onboarding-users", str(ONBOARD)])
    changed = base / "changed"
    if not changed.exists():
        # 1% of the users changed: a copy sharing every other file.
        subprocess.run(["cp", "-al", str(config), str(changed)], check=True)
        users = sorted((changed / "users").iterdir())
        for path in users[:: 100]:
            text = path.read_text().replace("    last_name: ", "    last_name: Changed-", 1)
            path.unlink()
            path.write_text(text)
    onboard = base / "onboard"
    if not onboard.exists():
        # The directory plus 10,000 new hires.
        subprocess.run(["cp", "-al", str(config), str(onboard)], check=True)
        shutil.copy(base / "onboarding.yaml", onboard / "onboarding.yaml")
    edited = base / "edited"
    if not edited.exists():
        # A copy whose first user file the cached-validate benchmark edits.
        subprocess.run(["cp", "-al", str(config), str(edited)], check=True)
        first = sorted((edited / "users").iterdir())[0]
        text = first.read_text()
        first.unlink()
        first.write_text(text)
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
            subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           check=True)
            subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
            self.url = f"{admin}/{name}"


def cell(measure):
    seconds, mib = measure[:2]
    cpu = f" ({measure[3]:.2f} s CPU)" if len(measure) > 3 else ""
    return f"{seconds:.2f} s{cpu} / {mib:.0f} MiB"


def edit_one_file(edited):
    """Gives the first user file of `edited` new content before each run."""
    first = sorted((edited / "users").iterdir())[0]
    original = first.read_text()

    def prepare(i):
        marker = f"    last_name: Edited{i}-"
        text = original.replace("    last_name: ", marker, 1)
        first.write_text(text)
    return prepare, lambda: first.write_text(original)


def one_user(repeat):
    """validate of a one-user file with phone numbers, cold."""
    path = WORK / "one-user" / "roster.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ONE_USER)
    run(["validate", str(path)], env={"ROSTER_CACHE": "off"})
    return best(["validate", str(path)], max(repeat, 10), env={"ROSTER_CACHE": "off"})


def terraform(size, roster_apply, roster_plan):
    """Terraform on the same users as `terraform_data` resources: apply
    from nothing and a no-op plan, against roster's apply and no-op plan."""
    if not Path(TERRAFORM).exists():
        print(f"\nTerraform side by side: skipped, no Terraform at {TERRAFORM}.")
        return None
    base = generate(size)
    folder = WORK / f"terraform-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    users = sorted((base / "config" / "users").iterdir())
    with open(folder / "main.tf", "w") as out:
        for i, path in enumerate(users):
            out.write(f'resource "terraform_data" "user_{i}" {{\n'
                      f'  input = yamldecode(file("{path}")).users[0]\n}}\n')
    env = {"TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}
    tf = Path(TERRAFORM)
    run(["init", "-input=false"], env=env, cwd=folder, binary=tf)
    apply = run(["apply", "-auto-approve", "-input=false"], env=env, cwd=folder, binary=tf)
    plan = run(["plan", "-input=false", "-detailed-exitcode"], env=env, cwd=folder, binary=tf)
    print(f"\nTerraform {tf} side by side, {len(users):,} users as terraform_data (no provider, no API):")
    print("| work | Terraform | roster (SQLite) | Terraform / roster |")
    print("|---|---:|---:|---:|")
    for name, theirs, ours in (("apply from nothing", apply, roster_apply), ("no-op plan", plan, roster_plan)):
        print(f"| {name} | {theirs[0]:.2f} s | {ours[0]:.3f} s | {theirs[0] / max(ours[0], 1e-9):,.0f}× |")
    return apply, plan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000,100000")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--terraform", action="store_true", help="also run Terraform on 2,000 users")
    parser.add_argument("--terraform-only", action="store_true", help="only the Terraform side by side")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    engines = options.engines.split(",")

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    global START_LOAD
    START_LOAD = os.getloadavg()[0]

    if options.terraform_only:
        db = Database("sqlite", "roster_bench_terraform")
        base = generate(2000)
        env = {"ROSTER_DATABASE_URL": db.url, "ROSTER_CACHE": "off"}
        apply = run(["apply", str(base / "config"), "--yes"], env)
        plan = best(["plan", str(base / "config"), "--detailed-exitcode"], options.repeat, env)
        terraform(2000, apply, (plan[2], plan[1]))
        return

    columns = ["validate (cold)", "validate (cached)", "validate (cached, 1 file changed)", "plan no-op",
               "plan 1% changed", "apply 10k new users", "drift", "export"]
    rows = []
    for size in sizes:
        base = generate(size)
        config, changed, onboard, edited = (str(base / d) for d in ("config", "changed", "onboard", "edited"))
        cache = base / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        # Warm the page cache, then measure without and with roster's cache.
        run(["validate", config], env={"ROSTER_CACHE": "off"})
        cold = best(["validate", config], options.repeat, env={"ROSTER_CACHE": "off"})
        cached_env = {"ROSTER_CACHE_DIR": str(cache)}
        run(["validate", config], env=cached_env)
        run(["validate", changed], env=cached_env)
        warm = best(["validate", config], options.repeat, env=cached_env)
        run(["validate", edited], env=cached_env)
        prepare, restore = edit_one_file(base / "edited")
        one_changed = best(["validate", edited], options.repeat, env=cached_env, prepare=prepare)
        restore()
        for engine in engines:
            db = Database(engine, f"roster_bench_{engine}_{size}")
            env = dict(cached_env, ROSTER_DATABASE_URL=db.url)
            run(["generate", "--users", str(size), "--seed", str(SEED), "--database-url", db.url])
            noop = best(["plan", config, "--detailed-exitcode"], max(options.repeat, 5 if size <= 2000 else 0), env)
            one_percent = best(["plan", changed, "--detailed-exitcode"], options.repeat, env)
            drift = best(["drift", config], options.repeat, env)
            # Each export into a folder of its own, all removed after the
            # last: creating 100,000 files right after removing 100,000
            # makes ext4 scan the inodes just freed (profiled with `perf`
            # for bench/onboard.py; here an export of 10,000 users took
            # 5.75 s in the loop and 1.99 s on its own).
            exports, outs = [], [WORK / f"export-{engine}-{size}-{i}" for i in range(options.repeat)]
            for out in outs:
                shutil.rmtree(out, ignore_errors=True)
            for out in outs:
                exports.append(run(["export", "--out", str(out), "--layout", "per-user"], env))
            for out in outs:
                shutil.rmtree(out, ignore_errors=True)
            export = (min(e[0] for e in exports), max(e[1] for e in exports), 0, min(e[3] for e in exports))
            run(["validate", onboard], env=cached_env)
            applied = run(["apply", onboard, "--yes"], env)
            apply = (applied[0], applied[1], applied[0], applied[3])
            rows.append((size, engine, [cold, warm, one_changed, noop, one_percent, apply, drift, export]))
            print(f"{size} users on {engine}: " + ", ".join(f"{c} {cell(m)}" for c, m in zip(columns, rows[-1][2])),
                  file=sys.stderr)
    single = one_user(options.repeat)

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    print(f"Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
          f"load average {START_LOAD:.1f} at the start and {load:.1f} at the end; best of {options.repeat} runs, "
          "wall time (CPU time, user + system) / peak memory of the whole process.\n")
    print("| users | engine | " + " | ".join(columns) + " |")
    print("|---:|---|" + "---:|" * len(columns))
    for size, engine, measures in rows:
        print(f"| {size:,} | {engine} | " + " | ".join(cell(m) for m in measures) + " |")

    # SPEC section 7, figure by figure.
    checks = []

    def check(name, value, target, unit="s", fmt="{:.2f}", cpu=None):
        met = value <= target
        cpu_text = "" if cpu is None else f"{cpu:.2f} s"
        checks.append((name, fmt.format(value) + f" {unit}", cpu_text, fmt.format(target) + f" {unit}",
                       "met" if met else f"missed by {fmt.format(value - target)} {unit}"))

    by = {(size, engine): m for size, engine, m in rows}
    largest = max(sizes)
    for engine in engines:
        m = by.get((100_000, engine))
        if m:
            if engine == engines[0]:
                check("validate, cold, 100k", m[0][0], 1.5, cpu=m[0][3])
                check("validate, cached, one file changed, 100k", m[2][0], 0.5, cpu=m[2][3])
            check(f"no-op plan, 100k, {engine}", m[3][0], 1.5 if engine == "sqlite" else 2.0, cpu=m[3][3])
            check(f"apply of 10,000 new users, 100k, {engine}", m[5][0], 1.5 if engine == "sqlite" else 3.0,
                  cpu=m[5][3])
        m = by.get((2_000, engine))
        if m:
            check(f"no-op plan, 2,000 users, {engine} (median)", m[3][2] * 1000, 50, "ms", "{:.0f}", cpu=m[3][3])
    check("validate of a one-user file with phone numbers (median)", single[2] * 1000, 20, "ms", "{:.0f}",
          cpu=single[3])
    peak = max(max(x[1] for x in m) for m in by.values()) if by else single[1]
    check(f"peak memory, any command (up to {largest:,} users)", peak, 1024, "MiB", "{:.0f}")
    for engine in engines:
        small, large = by.get((10_000, engine)), by.get((100_000, engine))
        if small and large:
            for i, name in enumerate(columns):
                ratio = large[i][0] / max(small[i][0], 1e-9)
                check(f"growth 10k → 100k, {name}, {engine}", ratio, 11, "×", "{:.1f}")
    print("\n| SPEC section 7 | measured | CPU time | target | |")
    print("|---|---:|---:|---:|---|")
    for name, value, cpu, target, verdict in checks:
        print(f"| {name} | {value} | {cpu} | {target} | {verdict} |")

    if options.terraform and 2000 in sizes:
        db = Database("sqlite", "roster_bench_terraform")
        base = generate(2000)
        env = {"ROSTER_DATABASE_URL": db.url, "ROSTER_CACHE": "off"}
        apply = run(["apply", str(base / "config"), "--yes"], env)
        terraform(2000, apply, (by[(2000, engines[0])][3][2], 0))
    elif options.terraform:
        print("\nTerraform side by side: needs 2000 among --sizes.")


if __name__ == "__main__":
    main()
