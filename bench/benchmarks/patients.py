"""Patients and records on the large demo: search, the chart page, FHIR search and import."""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any

from django.db.models import Count
from django.test import Client

from harness import Run, Timing, benchmark
from medoffice.accounts.models import User
from medoffice.chart.models import Encounter
from medoffice.core import context
from medoffice.patients.models import Coverage, Patient
from medoffice.patients.search import patient_search

SAMPLES = Path(__file__).resolve().parents[2] / "src/medoffice/interop/tests/data"


def _queries(rng: random.Random) -> list[tuple[str, str]]:
    """A front desk's morning: (kind, query) drawn from real records of the dataset."""
    patients = list(
        Patient.objects.filter(status="active")
        .order_by("pk")
        .values("family_name", "given_name", "birth_date", "mrn", "phone_mobile")[::997][:60]
    )
    members = list(Coverage.objects.order_by("pk").values_list("member_id", flat=True)[::1999][:20])
    queries: list[tuple[str, str]] = []
    for p in patients:
        family, given = p["family_name"], p["given_name"]
        typo = family[0] + family[2] + family[1] + family[3:] if len(family) > 4 else family + "e"
        queries += [
            ("prefix", family[:3].lower()),
            ("last first", f"{family} {given}"),
            ("last, first prefix", f"{family}, {given[:2]}"),
            ("typo", typo.lower()),
            ("name + dob", f"{family.lower()} {p['birth_date']:%m/%d/%Y}"),
            ("dob", p["birth_date"].isoformat()),
            ("mrn", p["mrn"]),
        ]
        if p["phone_mobile"]:
            queries.append(("phone", re.sub(r"\D", "", p["phone_mobile"])))
    queries += [("member id", m.lower()) for m in members]
    rng.shuffle(queries)
    return queries


@benchmark("patient_search", target="p95 < 50 ms")
def patient_search_bench(run: Run):
    """patient_search() as the front desk types it: prefixes, names, typos, DOB, MRN, phone, member id
    (results audited, as on the page)."""
    user = User.objects.get(username="frontdesk")
    queries = _queries(random.Random(1))
    kinds: dict[str, Timing] = {}
    cycle = itertools.cycle(queries)
    hits: list[int] = []

    def one() -> None:
        kind, query = next(cycle)
        started = time.perf_counter()
        result = patient_search(actor=user, query=query)
        kinds.setdefault(kind, Timing([])).samples.append(time.perf_counter() - started)
        hits.append(len(result.hits))

    with context.acting_as(user, source="web"):
        timing = run.measure(one, n=len(queries) * 2, warmup=20)
    slowest = max(kinds.items(), key=lambda kv: kv[1].p95_ms)
    note = (
        f"{len(queries)} queries of {len(kinds)} kinds, {sum(1 for h in hits if h) / len(hits):.0%} with hits; slowest kind: {slowest[0]} p95 "
        f"{slowest[1].p95_ms:.1f} ms; {Patient.objects.count():,} patients"
    )
    by_kind = {k: {"p50_ms": t.p50_ms, "p95_ms": t.p95_ms, "n": t.n} for k, t in kinds.items()}
    return run.result(timing, throughput_unit="searches/s", note=note, by_kind=by_kind)


@benchmark("patient_search_page", target="p95 < 100 ms")
def patient_search_page(run: Run):
    """GET /patients/search/results/?q=... (the live results partial), signed in as the front desk."""
    from medoffice.testing.personas import signed_in_client

    client = signed_in_client(User.objects.get(username="frontdesk"))
    cycle = itertools.cycle(_queries(random.Random(2)))

    def get() -> None:
        response = client.get(
            "/patients/search/results/", {"q": next(cycle)[1]}, headers={"HX-Request": "true"}
        )
        if response.status_code != 200:
            raise AssertionError(f"search page answered {response.status_code}")

    return run.result(run.measure(get, n=300, warmup=10), throughput=False)


@benchmark("chart_page", target="p95 < 200 ms")
def chart_page(run: Run):
    """GET a patient's chart as a clinician: the busiest charts and typical ones."""
    from medoffice.testing.personas import signed_in_client

    client = signed_in_client(User.objects.get(username="clinician"))
    busiest = list(
        Encounter.objects.values("patient_id")
        .annotate(n=Count("id"))
        .order_by("-n", "patient_id")[:10]
    )
    typical = list(
        Patient.objects.filter(status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[::3001][:40]
    )
    ids = itertools.cycle([b["patient_id"] for b in busiest] + typical)
    max_encounters = busiest[0]["n"] if busiest else 0

    def get() -> None:
        response = client.get(f"/chart/patients/{next(ids)}/")
        if response.status_code != 200:
            raise AssertionError(f"chart answered {response.status_code}")

    timing = run.measure(get, n=200, warmup=10, budget_s=60)
    return run.result(
        timing,
        throughput=False,
        note=f"10 busiest charts (up to {max_encounters} encounters) and 40 typical",
    )


@benchmark("fhir_patient_search", target="p95 < 100 ms")
def fhir_patient_search(run: Run):
    """GET /fhir/r4/Patient?family=...&_count=20 with a personal API token (clinician)."""
    from medoffice.accounts.services import api_token_create

    user = User.objects.get(username="clinician")
    _, raw = api_token_create(actor=user, user=user, name="bench")
    client = Client(headers={"Authorization": f"Bearer {raw}", "Accept": "application/fhir+json"})
    rows = list(
        Patient.objects.filter(status="active")
        .order_by("pk")
        .values("family_name", "given_name", "birth_date")[::2003][:50]
    )
    params = itertools.cycle(
        [{"family": r["family_name"][:4], "_count": "20"} for r in rows]
        + [{"name": r["given_name"], "birthdate": r["birth_date"].isoformat()} for r in rows]
    )
    totals: list[int] = []

    def get() -> None:
        response = client.get("/fhir/r4/Patient", next(params))
        if response.status_code != 200:
            raise AssertionError(
                f"FHIR search answered {response.status_code}: {response.content[:200]!r}"
            )
        totals.append(len(response.json().get("entry", [])))

    timing = run.measure(get, n=200, warmup=10)
    return run.result(
        timing,
        throughput=False,
        note=f"family prefix and name+birthdate; {min(totals)}-{max(totals)} entries per page",
    )


def _fresh_copy(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same bundle as a different patient: every id and urn:uuid replaced consistently."""
    text = json.dumps(bundle)
    ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    for old in ids:
        text = text.replace(old, str(uuid.uuid4()))
    return json.loads(text)


@benchmark("fhir_import", target=">= 2 bundles/s")
def fhir_import(run: Run):
    """Import Synthea bundles (the two samples, re-identified) into the large practice."""
    from medoffice.interop.fhir.importer.run import import_bundle_data

    originals = [json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json"))]
    count = 40
    bundles = [_fresh_copy(copy.deepcopy(originals[i % len(originals)])) for i in range(count)]
    entries = sum(len(b["entry"]) for b in bundles)
    results = []
    started = time.perf_counter()
    with context.acting_as(None, source="cli"):
        for i, bundle in enumerate(bundles):
            results.append(import_bundle_data(bundle, f"bench-{i}.json"))
    elapsed = time.perf_counter() - started
    imported = sum(1 for r in results if r.status == "imported")
    rate = imported / elapsed
    row = run.result(
        note=f"{imported}/{count} bundles ({entries:,} entries) in {elapsed:.1f} s = {entries / elapsed:,.0f} entries/s",
        passed=imported == count and rate >= 2,
    )
    row.n = count
    row.throughput = rate
    row.throughput_unit = "bundles/s"
    return row
