"""Benchmark dataset steps that run inside Django, after `medoffice migrate` + `medoffice demo`.

    python bench/dataset.py fill-audit --entries 1000000 --seed 1

fill-audit appends a realistic audit history (views and lists of patients by the demo staff,
sign-ins, changes, a few denials and break-the-glass accesses) spread over the demo's years of
history and ending now, through the real `medoffice.audit.chain.append`, so every entry is
hashed with `chain.entry_digest` and linked: `medoffice audit verify` passes on the result.
The run.py cache key covers this file: edit it and the datasets are rebuilt.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
from datetime import timedelta
from typing import Any

BATCH = 5000

# (action, outcome, weight, about a patient?)
ACTIONS = [
    ("view", "success", 44.0, True),
    ("view_list", "success", 30.0, True),
    ("update", "success", 8.0, True),
    ("create", "success", 4.0, True),
    ("print", "success", 1.0, True),
    ("export", "success", 0.3, True),
    ("login", "success", 4.0, False),
    ("2fa_verified", "success", 3.5, False),
    ("logout", "success", 2.5, False),
    ("auto_logoff", "success", 1.0, False),
    ("login_failed", "failure", 0.8, False),
    ("permission_denied", "denied", 0.5, True),
    ("job", "success", 0.3, False),
]
LIST_VIEWS = ["patient_list", "schedule_day", "worklist", "search"]
OBJECT_TYPES = {"view": "patient", "update": "patient", "create": "encounter", "print": "document"}


def fill_audit(entries: int, seed: int, quiet: bool = False) -> None:
    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    from medoffice.accounts.models import User
    from medoffice.audit import chain
    from medoffice.audit.models import AuditEvent
    from medoffice.core import registry
    from medoffice.core.demo import SIZES

    rng = random.Random(seed)
    size = SIZES[os.environ.get("BENCH_SIZE", "large")]
    users = list(User.objects.order_by("pk").values_list("pk", "username"))
    if not users:
        raise SystemExit("fill-audit: no users; run `medoffice demo` first")
    workstation_ips = [f"10.20.{i // 50}.{i % 50 + 10}" for i in range(120)]
    actions = [a[:2] for a in ACTIONS]
    weights = [a[2] for a in ACTIONS]
    about_patient = {a[0]: a[3] for a in ACTIONS}
    # The demo's patients when there is a patients app (their MRNs through the audit app's
    # resolver, as audit entries record them); otherwise ids 1..N with synthetic MRNs.
    patient_ids = list(range(1, size.patients + 1))
    with contextlib.suppress(LookupError):
        patient_ids = (
            list(
                apps.get_model("patients", "Patient")
                .objects.order_by("pk")
                .values_list("pk", flat=True)
            )
            or patient_ids
        )
    refs: dict[int, str] = {}
    for start in range(0, len(patient_ids), 5000):
        refs.update(registry.patient_refs(patient_ids[start : start + 5000]))

    def patient_ref(pid: int) -> str:
        return refs.get(pid) or f"MRN{pid:07d}"

    end = timezone.now()
    span = timedelta(days=365 * size.years_of_history)
    step = span / entries
    start = end - span
    started = time.monotonic()
    done = 0
    while done < entries:
        batch: list[AuditEvent] = []
        for i in range(done, min(done + BATCH, entries)):
            action, outcome = rng.choices(actions, weights)[0]
            user_pk, username = rng.choice(users)
            if action == "job":
                user_pk, username = None, ""
            patient_id = None
            if about_patient[action]:
                # Skewed: a minority of patients gather most of the accesses.
                patient_id = patient_ids[int(len(patient_ids) * rng.random() ** 2)]
            emergency = action == "view" and rng.random() < 0.0005
            details: dict[str, Any] = {}
            if action == "view_list":
                details = {"view": rng.choice(LIST_VIEWS)}
            elif action == "export":
                details = {"format": "pdf"}
            batch.append(
                AuditEvent(
                    occurred_at=start + step * i + step * rng.random() * 0.9,
                    actor_id=user_pk,
                    actor_username=username,
                    action=action,
                    outcome=outcome,
                    object_type=OBJECT_TYPES.get(action, "patient" if patient_id else "user"),
                    object_id=str(patient_id or user_pk or ""),
                    patient_id=patient_id,
                    patient_ref=patient_ref(patient_id) if patient_id else "",
                    ip=None if action == "job" else rng.choice(workstation_ips),
                    request_id=f"{rng.getrandbits(128):032x}",
                    source="system"
                    if action == "job"
                    else ("api" if rng.random() < 0.03 else "web"),
                    reason="Patient unresponsive in the waiting room" if emergency else "",
                    emergency=emergency,
                    details=chain.normalize_details(details),
                )
            )
        chain.append(batch)
        done += len(batch)
        if not quiet:
            rate = done / (time.monotonic() - started)
            print(f"\r  audit entries: {done:,}/{entries:,} ({rate:,.0f}/s)", end="", flush=True)
    if not quiet:
        print()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"  audit log filled: {entries:,} entries in {time.monotonic() - started:.0f} s "
        f"(head #{AuditEvent.objects.order_by('-seq').values_list('seq', flat=True).first()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    fill = sub.add_parser("fill-audit", help="append a realistic, correctly chained audit log")
    fill.add_argument("--entries", type=int, default=1_000_000)
    fill.add_argument("--seed", type=int, default=1)
    fill.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.config.settings")
    import django

    django.setup()
    if args.step == "fill-audit":
        fill_audit(args.entries, args.seed, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
