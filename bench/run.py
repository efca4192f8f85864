"""Benchmarks on the large demo dataset, on SQLite and on PostgreSQL (`make bench`).

    python bench/run.py [--db sqlite|postgres|both] [--only NAME ...] [--size large|small]
                        [--rebuild] [--list]

For each database: get the benchmark dataset (migrate + `medoffice demo --size SIZE --seed 1`
+ an audit log of AUDIT_ENTRIES chained entries, see dataset.py) from bench/cache/ or build
it, then run the benchmarks (bench/benchmarks/*.py) in a subprocess against a scratch copy,
and write bench/results/results.json and results.md. Everything the app writes (secret key,
mail, static) goes to bench/cache/var, never to the development var/.

The cache is keyed by a hash of the demo modules, the audit hashing code and dataset.py:
change any of them and the dataset is rebuilt; newer migrations are applied to each run's
copy. SQLite keeps the database file; PostgreSQL servers are throwaway (scripts/with_postgres.py), so the dataset is kept as a
pg_dump archive and restored into each run's fresh server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SRC = ROOT / "src" / "medoffice"
CACHE = BENCH / "cache"
VAR_DIR = CACHE / "var"
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT / "scripts"))
from with_postgres import postgres_bindir, temporary_postgres  # noqa: E402

SEED = 1
AUDIT_ENTRIES = {"large": 1_000_000, "small": 20_000}
DATABASES = ("sqlite", "postgres")
DEMO_PASSWORD = "bench-demo-password-1"  # noqa: S105 - synthetic accounts in a throwaway copy
# The field-encryption key is pinned too: a cached dataset stays readable whatever happens to
# bench/cache/var (a key file generated there would be lost with it). Synthetic data only.
FIELD_KEY = "bWVkb2ZmaWNlLWJlbmNoLXN5bnRoZXRpYy1rZXktMDE="
# The benchmark server keeps PostgreSQL's durable defaults (fsync, synchronous_commit on), so
# commits cost what they cost in production; with_postgres's test tuning would hide that.
POSTGRES_DURABLE = True
# The benchmark server is tuned as the README's Production section says a server for a large
# practice should be (PostgreSQL's 128 MB default is sized for a small shared machine).
PRODUCTION_SETTINGS = {"shared_buffers": "2GB", "effective_cache_size": "8GB"}


def say(message: str) -> None:
    print(message, flush=True)


def dataset_key(size: str, entries: int) -> str:
    """Hash of everything that shapes the dataset's rows: demo code, entry hashing, dataset.py.

    Migrations are left out: each run migrates its working copy forward (`migrate_forward`), so
    a new table or column does not cost a rebuild. A demo change does."""
    files = {
        *(p for p in SRC.rglob("*demo*.py") if "tests" not in p.parts),
        *SRC.glob("*/demo/**/*.py"),
        SRC / "audit" / "hashing.py",
        BENCH / "dataset.py",
    }
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(
        f"{size}/{SEED}/{entries}/django-{metadata.version('django')}/{FIELD_KEY}".encode()
    )
    return digest.hexdigest()[:12]


def app_env(database_url: str, size: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDOFFICE_", "PG", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        MEDOFFICE_VAR_DIR=str(VAR_DIR),
        MEDOFFICE_DEMO_PASSWORD=DEMO_PASSWORD,
        MEDOFFICE_FIELD_KEYS=FIELD_KEY,
        MEDOFFICE_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="medoffice.config.settings",
        BENCH_SIZE=size,
        PYTHONUNBUFFERED="1",
        # The code next to this bench/ folder, even when the venv's editable install points at
        # another checkout (e.g. benchmarking a clean `git worktree` of a commit).
        PYTHONPATH=os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    return env


def run_step(command: list[str], env: dict[str, str], what: str) -> None:
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench: {what} failed (exit {result.returncode}): {' '.join(command)}")
    say(f"  {what}: {time.monotonic() - started:.0f} s")


def build_dataset(database_url: str, size: str, entries: int) -> None:
    env = app_env(database_url, size)
    medoffice = [sys.executable, "-m", "medoffice.cli"]
    run_step([*medoffice, "migrate", "--no-input", "-v", "0"], env, "migrate")
    run_step([*medoffice, "demo", "--size", size, "--seed", str(SEED), "--quiet"], env, "demo data")
    run_step(
        [sys.executable, str(BENCH / "dataset.py"), "fill-audit", "--entries", str(entries)],
        env,
        f"audit log ({entries:,} entries)",
    )


def migrate_forward(database_url: str, size: str) -> None:
    """Apply migrations newer than the cached dataset to the working copy (none: a no-op)."""
    run_step(
        [sys.executable, "-m", "medoffice.cli", "migrate", "--no-input", "-v", "0"],
        app_env(database_url, size),
        "migrate forward",
    )


def prune(pattern: str, keep: Path) -> None:
    for old in CACHE.glob(pattern):
        if old != keep and not old.name.startswith(keep.name):
            say(f"  removing stale cache {old.name}")
            old.unlink()


def run_worker(
    database: str, database_url: str, size: str, only: list[str]
) -> tuple[dict[str, Any], int]:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=CACHE, delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [
            sys.executable,
            str(BENCH / "worker.py"),
            "--database",
            database,
            "--size",
            size,
            "--out",
            str(out),
        ]
        if only:
            command += ["--only", *only]
        returncode = subprocess.run(
            command, env=app_env(database_url, size), cwd=ROOT, check=False
        ).returncode
        payload = json.loads(out.read_text()) if out.stat().st_size else {}
    finally:
        out.unlink(missing_ok=True)
    if not payload:
        raise SystemExit(f"bench: the {database} benchmarks crashed (exit {returncode})")
    return payload, returncode


def bench_sqlite(size: str, only: list[str], rebuild: bool) -> tuple[dict[str, Any], int]:
    entries = AUDIT_ENTRIES[size]
    cached = CACHE / f"sqlite-{size}-{dataset_key(size, entries)}.sqlite3"
    if rebuild or not cached.exists():
        say(f"[sqlite] building the {size} dataset (cached as {cached.name})")
        building = CACHE / f"building-sqlite-{size}.sqlite3"
        for leftover in CACHE.glob(f"{building.name}*"):
            leftover.unlink()
        build_dataset(f"sqlite:///{building}", size, entries)
        wal = Path(f"{building}-wal")
        if wal.exists() and wal.stat().st_size:
            raise SystemExit(f"bench: {wal} was not checkpointed; not caching an incomplete copy")
        wal.unlink(missing_ok=True)
        Path(f"{building}-shm").unlink(missing_ok=True)
        os.replace(building, cached)
        prune(f"sqlite-{size}-*", cached)
    else:
        say(f"[sqlite] using the cached {size} dataset {cached.name}")
    work = CACHE / "run" / "medoffice.sqlite3"
    work.parent.mkdir(exist_ok=True)
    for leftover in work.parent.glob("medoffice.sqlite3*"):
        leftover.unlink()
    shutil.copyfile(cached, work)
    try:
        migrate_forward(f"sqlite:///{work}", size)
        return run_worker("sqlite", f"sqlite:///{work}", size, only)
    finally:
        for leftover in work.parent.glob("medoffice.sqlite3*"):
            leftover.unlink()


def bench_postgres(size: str, only: list[str], rebuild: bool) -> tuple[dict[str, Any], int]:
    entries = AUDIT_ENTRIES[size]
    dump = CACHE / f"postgres-{size}-{dataset_key(size, entries)}.dump"
    bindir = postgres_bindir()
    env = {**os.environ}
    if rebuild or not dump.exists():
        say(f"[postgres] building the {size} dataset (cached as {dump.name})")
        # Building needs no durability; the benchmarks get a fresh, durable server below.
        with temporary_postgres(durable=False) as url:
            build_dataset(url, size, entries)
            partial = dump.with_suffix(".partial")
            run_step(
                [str(bindir / "pg_dump"), "--format=custom", f"--file={partial}", url],
                env,
                "pg_dump",
            )
            os.replace(partial, dump)
        prune(f"postgres-{size}-*", dump)
    # Every run, first or cached, measures the same thing: a freshly restored database.
    with temporary_postgres(durable=POSTGRES_DURABLE, settings=PRODUCTION_SETTINGS) as url:
        say(f"[postgres] restoring the {size} dataset {dump.name}")
        run_step(
            [
                str(bindir / "pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--jobs={min(4, os.cpu_count() or 1)}",
                f"--dbname={url}",
                str(dump),
            ],
            env,
            "pg_restore",
        )
        migrate_forward(url, size)
        # A restored database has no planner statistics and no visibility map yet; and the
        # restore's dirty pages are flushed now rather than by a checkpoint mid-benchmark.
        run_step(
            [str(bindir / "vacuumdb"), "--analyze", "--quiet", f"--dbname={url}"],
            env,
            "vacuum analyze",
        )
        run_step(
            [str(bindir / "psql"), "--quiet", "--no-psqlrc", "--command=CHECKPOINT", url],
            env,
            "checkpoint",
        )
        return run_worker("postgres", url, size, only)


def git_commit() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty", "--exclude=*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


def machine() -> dict[str, Any]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def merge(
    path: Path, size: str, runs: dict[str, dict[str, Any]], order: list[str]
) -> dict[str, Any]:
    """Replace the rows of what ran now; keep earlier rows of other benchmarks/databases."""
    old: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    if old.get("size") not in (None, size):
        old = {}
    rows = [
        row
        for row in old.get("results", [])
        if row["database"] not in runs or row["benchmark_name"] not in runs[row["database"]]["ran"]
    ]
    for run in runs.values():
        rows.extend(run["results"])
    position = {name: i for i, name in enumerate(order)}
    rows.sort(
        key=lambda r: (
            position.get(r["benchmark_name"], len(position)),
            r.get("order", 0),  # rows of one benchmark in the order it produced them
            r["benchmark"],
            DATABASES.index(r["database"]) if r["database"] in DATABASES else 9,
        )
    )
    databases = dict(old.get("databases", {}))
    for database, run in runs.items():
        databases[database] = {k: v for k, v in run.items() if k not in ("results", "ran")}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "size": size,
        "machine": machine(),
        "databases": databases,
        "results": rows,
    }


def fmt_ms(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated {report['generated_at']} at commit `{report['git_commit']}` by "
        "`make bench` (`python bench/run.py`); see bench/README.md.",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu'] or 'unknown CPU'}), {m['memory']} RAM, "
        f"{m['os']}, Python {m['python']}.",
        "",
    ]
    for database, info in report["databases"].items():
        ds = info.get("dataset", {})
        settings = ", ".join(f"{k}={v}" for k, v in ds.get("server_settings", {}).items())
        lines.append(
            f"- **{database}** {ds.get('server_version', '')} ({settings}): {report['size']} "
            f"demo dataset, {ds.get('users', '?')} users, "
            + (f"{ds['patients']:,} patients, " if "patients" in ds else "")
            + f"{ds.get('audit_entries', 0):,} audit entries at start; "
            f"run {info.get('started_at', '')}, {info.get('seconds', 0):.0f} s"
            + (
                f", load average {info['load_average'][0]} before / {info['load_average'][1]} after."
                if info.get("load_average")
                else "."
            )
        )
    lines += [
        "",
        "Times are wall-clock milliseconds per operation (time.perf_counter, after warm-up), "
        "in-process (Django test Client for pages, no network or WSGI server). Load averages "
        "are the 1-minute figure before the run and after it (the run itself adds 1-2): "
        "other work on the machine makes the figures noisy.",
        "",
        "| benchmark | database | n | p50 ms | p95 ms | max ms | throughput / note | target | result |",
        "|---|---|--:|--:|--:|--:|---|---|---|",
    ]
    for row in report["results"]:
        detail = []
        if row.get("throughput") is not None:
            detail.append(f"{row['throughput']:,.0f} {row['throughput_unit']}")
        if row.get("note"):
            detail.append(row["note"])
        verdict = {True: "pass", False: "**FAIL**", None: "-"}[row.get("passed")]
        cells = [
            row["benchmark"],
            row["database"],
            str(row.get("n") or ""),
            fmt_ms(row.get("p50_ms")),
            fmt_ms(row.get("p95_ms")),
            fmt_ms(row.get("max_ms")),
            "; ".join(detail).replace("|", "/"),
            row.get("target", ""),
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def list_benchmarks() -> list[dict[str, str]]:
    env = app_env(f"sqlite:///{CACHE / 'list.sqlite3'}", "small")
    result = subprocess.run(
        [sys.executable, str(BENCH / "worker.py"), "--list"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench: could not load the benchmarks:\n{result.stderr}")
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the MedOffice benchmarks.")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="benchmark names")
    parser.add_argument("--size", choices=["large", "small"], default="large")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached datasets")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--out",
        type=Path,
        help="results folder (default: bench/results for large, bench/cache/results-small)",
    )
    args = parser.parse_args()

    CACHE.mkdir(exist_ok=True)
    VAR_DIR.mkdir(exist_ok=True)
    known = list_benchmarks()
    if args.list:
        for bench in known:
            say(f"{bench['name']:<24} {bench['target']}")
        return 0
    names = [b["name"] for b in known]
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
    out = args.out or (RESULTS if args.size == "large" else CACHE / "results-small")
    out.mkdir(parents=True, exist_ok=True)

    databases = DATABASES if args.db == "both" else (args.db,)
    runs: dict[str, dict[str, Any]] = {}
    worst = 0
    for database in databases:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        started = time.monotonic()
        load_before = os.getloadavg()[0]
        if load_before > 1.0:  # (the previous database's run contributes up to ~1)
            say(
                f"bench: the machine is busy (load average {load_before:.1f}); "
                "other processes will make the figures noisy and slow"
            )
        runner = bench_sqlite if database == "sqlite" else bench_postgres
        payload, returncode = runner(args.size, args.only, args.rebuild)
        worst = max(worst, returncode)
        runs[database] = {
            "started_at": started_at,
            "seconds": round(time.monotonic() - started, 1),
            # 1-minute load averages: before the dataset step, and after the benchmarks
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "dataset": payload["dataset"],
            "ran": payload["benchmarks"],
            "results": payload["results"],
        }
        say(f"[{database}] done in {time.monotonic() - started:.0f} s")

    report = merge(out / "results.json", args.size, runs, names)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "results.md").write_text(markdown(report))
    missed = [
        f"{r['benchmark']} ({r['database']})" for r in report["results"] if r["passed"] is False
    ]
    say(f"Results: {out / 'results.md'}")
    if missed:
        say(f"Targets missed or failed: {', '.join(missed)}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
