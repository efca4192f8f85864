"""Revenue cycle on the large demo: 837P generation for 10,000 ready claims, and importing one
835 of 20,000 service lines. The 837P setup (claims from recent encounters, see _revenue_data)
runs in a transaction that is rolled back; the ERA's claims and its posting are committed (see
era_import_20k)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from benchmarks import _revenue_data as data
from harness import Run, Timing, benchmark
from medoffice.accounts.models import User
from medoffice.claims.models import Claim, ClaimStatus
from medoffice.core import context

CLAIMS_837 = 10_000
LINES_835 = 20_000


class _RollBack(Exception):
    pass


class _QueryCount:
    """Counts the queries run inside it (Django's query log stops at 9,000)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        return self.n


def _biller() -> User:
    return User.objects.get(username="biller")


@benchmark("claims_837_generate", target="10,000 claims < 10 s")
def claims_837_generate(run: Run):
    """837P files for 10,000 ready claims: reads and mapping, then writing (one process)."""
    from medoffice.interop.x12 import claim837p as x12
    from medoffice.interop.x12.envelope import reserve_control_numbers
    from medoffice.submission import mapping, services

    biller = _biller()
    out: dict = {}
    try:
        with context.acting_as(biller, source="cli"), transaction.atomic():
            started = time.perf_counter()
            encounters = data.recent_encounters(count=CLAIMS_837)
            ids = data.build_claims(encounters, biller)
            data.move_claims(ids, ClaimStatus.READY, biller)
            out["setup_s"] = time.perf_counter() - started
            # The timed part is batches_create_for_ready_claims without pyx12 validation and
            # without the claims' status moves: _ready_by_payer reads (claims_for_mapping),
            # then per payer mapping.batch_837p (claim_837p per claim, then write_837p).
            created = timezone.now()
            with connection.execute_wrapper(queries := _QueryCount()):
                t0 = time.perf_counter()
                by_payer = services._ready_by_payer(None)
                t1 = time.perf_counter()
                files, batches = [], []
                for payer, claims in by_payer.items():
                    batch = x12.Batch(
                        submitter=mapping.submitter(), receiver_name=payer.name,
                        receiver_id=payer.payer_id,
                        claims=[mapping.claim_837p(claim) for claim in claims],
                    )  # fmt: skip
                    batches.append((payer, batch))
                t2 = time.perf_counter()
                for _payer, batch in batches:
                    control = reserve_control_numbers()
                    files.append(x12.write_837p(batch, mapping.envelope(created), control))
                t3 = time.perf_counter()
            # The same files through mapping.batch_837p (what the service calls), timed whole.
            t4 = time.perf_counter()
            again = [
                mapping.batch_837p(payer, claims, reserve_control_numbers(), created)
                for payer, claims in services._ready_by_payer(None).items()
            ]
            t5 = time.perf_counter()
            claims_n = sum(len(c) for c in by_payer.values())
            out.update(
                claims=claims_n, lines=sum(len(b.claims[i].lines) for _, b in batches
                                           for i in range(len(b.claims))),
                files=len(files), segments=sum(f.count("~") for f in files),
                bytes=sum(len(f) for f in files), read_s=t1 - t0, map_s=t2 - t1,
                write_s=t3 - t2, total_s=t3 - t0, queries=len(queries),
                service_path_s=t5 - t4, same_segments=sum(f.count("~") for f in again) == sum(f.count("~") for f in files),
                service_built=min(len(encounters), data.SERVICE_BUILT),
            )  # fmt: skip
            raise _RollBack
    except _RollBack:
        pass
    total, n = out["total_s"], out["claims"]
    note = (
        f"{n:,} claims ({out['lines']:,} lines) -> {out['files']} files, {out['segments']:,} "
        f"segments, {out['bytes'] / 1e6:.1f} MB in {total:.2f} s: reads {out['read_s']:.2f} s "
        f"({out['queries']} queries), mapping {out['map_s']:.2f} s, writing {out['write_s']:.2f} "
        f"s; via mapping.batch_837p {out['service_path_s']:.2f} s; setup {out['setup_s']:.0f} s"
    )
    return run.result(
        Timing([total]), throughput_unit="claims/s", items_per_call=n, note=note,
        passed=n >= CLAIMS_837 and total < 10, **out,
    )  # fmt: skip


def _era_for(claims: list[Claim]) -> str:
    """What the payers answer: one remittance per payer. Most lines paid at 80% with CO-45
    and a PR-2 coinsurance; every 10th claim denied (CO-50), every 7th line with a deductible."""
    from medoffice.interop.x12 import remit835 as r
    from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party
    from medoffice.interop.x12.remit835_writer import Payee, PayerContact, write_835
    from medoffice.organization.models import Practice

    cent = Decimal("0.01")
    by_payer: dict = {}
    for index, claim in enumerate(claims):
        denied = index % 10 == 9
        payment = r.ClaimPayment(
            patient_control_number=claim.patient_control_number,
            status_code="4" if denied else "1", billed=claim.total_billed, paid=Decimal("0.00"),
            patient_responsibility=Decimal("0.00"), filing_indicator="12",
            payer_claim_number=f"P{claim.pk:012d}",
            patient_name=f"{claim.patient.family_name} {claim.patient.given_name}",
            patient_member_id=claim.coverage.member_id,
            statement_start=claim.service_date_from, statement_end=claim.service_date_to,
        )  # fmt: skip
        for line in claim.lines.all():
            if denied:
                paid, adjustments = Decimal("0.00"), [r.Adjustment("CO", "50", line.amount)]
            else:
                allowed = (line.amount * Decimal("0.8")).quantize(cent)
                patient = (allowed * Decimal("0.2")).quantize(cent)
                deductible = Decimal("25.00") if line.pk % 7 == 0 and allowed > 50 else Decimal(0)
                paid = allowed - patient - deductible
                adjustments = [r.Adjustment("CO", "45", line.amount - allowed),
                               r.Adjustment("PR", "2", patient)]  # fmt: skip
                if deductible:
                    adjustments.append(r.Adjustment("PR", "1", deductible))
            payment.paid += paid
            payment.patient_responsibility += sum(
                (a.amount for a in adjustments if a.group == "PR"), Decimal("0.00")
            )
            payment.services.append(
                r.ServicePayment(
                    procedure_qualifier="HC", procedure_code=line.procedure_code,
                    modifiers=tuple(line.modifiers or ()), billed=line.amount, paid=paid,
                    units=Decimal(line.units), service_date=line.date_of_service,
                    line_control_number=line.line_control_number, adjustments=adjustments,
                    allowed=None if denied else paid + sum(
                        (a.amount for a in adjustments if a.group == "PR"), Decimal("0.00")),
                )
            )  # fmt: skip
        by_payer.setdefault(claim.payer, []).append(payment)
    today = timezone.localdate()
    remittances = []
    for n, (payer, payments) in enumerate(sorted(by_payer.items(), key=lambda kv: kv[0].pk), 1):
        remittance = r.Remittance(
            control_number=f"{n:04d}", payment_amount=sum((p.paid for p in payments), Decimal(0)),
            credit_debit="C", payment_method="ACH", payment_date=today,
            trace_number=f"BENCH{today:%Y%m%d}{n:04d}", payer_trace_id="1512345678",
            production_date=today - timedelta(days=1), payer_name=payer.name,
            payer_id=payer.payer_id, claims=payments,
        )  # fmt: skip
        contact = PayerContact(
            payer.address_line1 or "1 PAYER WAY", payer.city or "ALBANY", payer.state or "NY",
            payer.postal_code or "12207", "8005551212",
        )  # fmt: skip
        remittances.append((remittance, contact))
    practice = Practice.objects.order_by("pk").first()
    payee = Payee(practice.legal_name or practice.name, practice.group_npi, practice.tax_id)
    envelope = Envelope(
        sender=Party("BENCHPAYER"), receiver=Party("MEDOFFICE01"), created=timezone.localtime()
    )
    return write_835(remittances, payee, envelope, ControlNumbers(4401, 4401, 1))


@benchmark("era_import_20k", target="20,000 lines < 10 s")
def era_import_20k(run: Run):
    """era_import of one 835 with 20,000 service lines for submitted claims, timed to its
    commit as an office waits for it: PostgreSQL checks the deferred foreign keys of every row
    written and SQLite writes the changed pages to its log (and checkpoints it) at commit.
    The claims are built and committed first; the posted ERA stays in this run's scratch
    database (the last revenue benchmark: only the scheduling ones run after it)."""
    from medoffice.billing.models import Posting
    from medoffice.claims.models import ClaimLineAdjudication
    from medoffice.remittance.services import era_import

    biller = _biller()
    out: dict = {}
    with context.acting_as(biller, source="cli"):
        started = time.perf_counter()
        with transaction.atomic():
            encounters = data.recent_encounters(lines=LINES_835)
            ids = data.build_claims(encounters, biller)
            data.move_claims(ids, ClaimStatus.SUBMITTED, biller)
        claims = list(
            Claim.objects.filter(pk__in=ids)
            .select_related("patient", "coverage", "payer")
            .prefetch_related("lines")
            .order_by("pk")
        )
        text = _era_for(claims)
        if connection.vendor == "sqlite":  # the setup's log written back, not the import's job
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out["setup_s"] = time.perf_counter() - started
        postings_before = Posting.objects.count()
        adjudications_before = ClaimLineAdjudication.objects.count()
        with connection.execute_wrapper(queries := _QueryCount()):
            t0 = time.perf_counter()
            result = era_import(name="bench.835", content=text.encode(), actor=biller)
            elapsed = time.perf_counter() - t0
        out.update(
            seconds_import=elapsed, lines=result.lines_posted, claims=result.claims_posted,
            unmatched=result.claims_unmatched, status=result.file.status,
            error=result.file.error, paid=str(result.paid), queries=len(queries),
            postings=Posting.objects.count() - postings_before,
            adjudications=ClaimLineAdjudication.objects.count() - adjudications_before,
            lines_in_file=text.count("SVC*"), bytes=len(text), remittances=result.remittances,
        )  # fmt: skip
    n, elapsed = out["lines"], out["seconds_import"]
    note = (
        f"{out['lines_in_file']:,} lines in {out['remittances']} remittances "
        f"({out['bytes'] / 1e6:.1f} MB): {out['claims']:,} claims / {n:,} lines posted "
        f"({out['unmatched']} unmatched, file {out['status']}), {out['postings']:,} ledger "
        f"postings, {out['adjudications']:,} adjudications, {out['queries']:,} queries in "
        f"{elapsed:.1f} s with its commit; setup {out['setup_s']:.0f} s"
    )
    if out["error"]:
        note += f"; error: {out['error'][:200]}"
    return run.result(
        Timing([elapsed]), throughput_unit="lines/s", items_per_call=n, note=note,
        passed=n >= LINES_835 and elapsed < 10, **out,
    )  # fmt: skip
