"""Run registered benchmarks in this process, against the database in DATABASE_URL.

    python bench/worker.py --database sqlite --out results.json [--only NAME ...]
    python bench/worker.py --list

run.py starts this with DATABASE_URL and MEDOFFICE_VAR_DIR set; it configures Django with the
real settings (medoffice.config.settings), imports every module in bench/benchmarks/, runs
the chosen benchmarks in registration order and writes their rows as JSON. A benchmark that
raises is reported as a failed row with the error; the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))


def load_benchmarks() -> None:
    import benchmarks

    for module in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"benchmarks.{module.name}")


def dataset_facts() -> dict[str, Any]:
    from django.db import connection

    from medoffice.accounts.models import User
    from medoffice.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    facts: dict[str, Any] = {
        "audit_entries": head,
        "users": User.objects.count(),
        "vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            facts["server_version"] = cursor.fetchone()[0]
            settings = {}
            for name in ("fsync", "synchronous_commit", "shared_buffers"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            facts["server_settings"] = settings
        else:
            cursor.execute("SELECT sqlite_version()")
            facts["server_version"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            facts["server_settings"] = {"journal_mode": cursor.fetchone()[0]}
    from django.apps import apps
    from django.db import DatabaseError

    with contextlib.suppress(LookupError, DatabaseError):  # once there is a patients app
        facts["patients"] = apps.get_model("patients", "Patient").objects.count()
    return facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--size", default="large")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--list", action="store_true", help="print the benchmarks as JSON")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.config.settings")
    import django

    django.setup()
    from harness import REGISTRY, Result, Run

    load_benchmarks()
    if args.list:
        print(json.dumps([{"name": b.name, "target": b.target} for b in REGISTRY.values()]))
        return 0
    unknown = sorted(set(args.only) - set(REGISTRY))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [b for b in REGISTRY.values() if not args.only or b.name in args.only]

    facts = dataset_facts()
    print(
        f"  dataset: {facts['audit_entries']:,} audit entries, {facts['users']} users "
        f"({facts['vendor']} {facts['server_version']})",
        flush=True,
    )
    rows: list[tuple[str, Result]] = []
    errors = 0
    for bench in chosen:
        print(f"  - {bench.name}: {bench.description}", flush=True)
        run = Run(
            name=bench.name,
            target=bench.target,
            database=args.database,
            size=args.size,
            dataset=facts,
        )
        started = time.monotonic()
        try:
            produced = bench.func(run)
            produced = produced if isinstance(produced, list) else [produced]
        except Exception as exc:
            errors += 1
            traceback.print_exc()
            produced = [
                Result(
                    benchmark=bench.name,
                    database=args.database,
                    target=bench.target,
                    passed=False,
                    note=f"error: {type(exc).__name__}: {exc}"[:300],
                )
            ]
        elapsed = time.monotonic() - started
        for row in produced:
            row.seconds = round(elapsed, 2)
            rows.append((bench.name, row))
            print(f"      {describe(row)}", flush=True)
    payload = {
        "database": args.database,
        "size": args.size,
        "dataset": facts,
        "python": platform.python_version(),
        "benchmarks": [b.name for b in chosen],
        "results": [
            {**row.to_json(), "benchmark_name": name, "order": i}
            for i, (name, row) in enumerate(rows)
        ],
    }
    if args.out:
        args.out.write_text(json.dumps(payload, indent=2, default=str))
    return 1 if errors else 0


def describe(row: Any) -> str:
    parts = [row.benchmark]
    if row.p50_ms is not None:
        parts.append(f"n={row.n} p50={row.p50_ms:.2f} ms p95={row.p95_ms:.2f} ms")
    if row.throughput is not None:
        parts.append(f"{row.throughput:,.0f} {row.throughput_unit}")
    if row.note:
        parts.append(row.note)
    verdict = {True: "pass", False: "FAIL", None: "-"}[row.passed]
    return " | ".join(parts) + f" [{row.target or 'no target'}: {verdict}]"


if __name__ == "__main__":
    sys.exit(main())
