"""Search stays index-only: every query it runs is checked with EXPLAIN on the test database.

SQLite must SEARCH (use an index) and never SCAN a table; PostgreSQL, with sequential scans
priced out (`enable_seqscan = off`, so a tiny test table does not tempt the planner), must
never answer with a Seq Scan on the patient tables.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.patients.duplicates import duplicate_pairs
from medoffice.patients.search import search_patients
from medoffice.patients.tests.search_support import add_coverage, make_patient

pytestmark = pytest.mark.django_db
PATIENT_TABLES = ("patients_patient", "patients_namevariant", "patients_coverage")


def plan_of(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics: tables that earlier tests filled and truncated keep stale row
            # counts otherwise, and the planner then picks join orders for data that is gone.
            cursor.execute("ANALYZE " + ", ".join((*PATIENT_TABLES, "organization_location")))
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            root = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            return list(_pg_problems(root))
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[3] for row in cursor.fetchall()]


def _pg_problems(node: dict):
    """Scans of the patient tables that read them whole: a Seq Scan, or an index scan with no
    Index Cond (walking the whole index is a full scan too)."""
    kind = node.get("Node Type", "")
    on_patients = node.get("Relation Name") in PATIENT_TABLES or any(
        node.get("Index Name", "").startswith(prefix)
        for prefix in ("patient_", "patients_", "name_variant", "coverage_")
    )
    if on_patients and kind == "Seq Scan":
        yield f"Seq Scan on {node.get('Relation Name')}"
    if on_patients and "Index" in kind and "Index Cond" not in node:
        yield f"{kind} using {node.get('Index Name')} without an Index Cond"
    for child in node.get("Plans", []):
        yield from _pg_problems(child)


def queries_of(func, *args, **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        func(*args, **kwargs)
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")]


def _filler(count: int = 3000) -> None:
    """Enough other records that the planner faces a table shaped like a real one: on a table
    of two rows any plan is cheap, and PostgreSQL's choice says nothing about 150,000."""
    import random
    from datetime import date, timedelta

    from medoffice.organization.models import Location, Practice
    from medoffice.patients import names
    from medoffice.patients.models import Patient

    rng = random.Random(5)
    practice = Practice.objects.create(name="Plan practice")
    locations = [
        Location.objects.create(practice=practice, name=f"Site {i}", code=f"plan{i}")
        for i in range(3)
    ]
    families = [
        "Miller",
        "Garcia",
        "Brown",
        "Lee",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
    ]
    givens = ["Anna", "Brian", "Carla", "David", "Emma", "Frank", "Grace", "Henry", "Iris", "Jack"]
    rows = []
    for i in range(count):
        family, given = rng.choice(families) + str(i % 97), rng.choice(givens)
        rows.append(
            Patient(
                mrn=f"F{i:06d}",
                family_name=family,
                given_name=given,
                family_norm=names.fold(family),
                given_norm=names.fold(given),
                family_phonetic=names.phonetic(family),
                given_phonetic=names.phonetic(given),
                birth_date=date(1940, 1, 1) + timedelta(days=rng.randrange(25000)),
                sex_at_birth="F",
                phone_digits=f"518{rng.randrange(10**7):07d}",
                home_location=rng.choice(locations),
            )
        )
    Patient.objects.bulk_create(rows, batch_size=1000)


@pytest.fixture
def patients():
    _filler()
    smith = make_patient("Smith", "John", "1980-03-04", phone_mobile="518-555-0142")
    add_coverage(smith, "XK9-123456")
    make_patient("Jones", "Mary", "1975-01-02")
    return smith


@pytest.mark.parametrize(
    "typed",
    [
        "smi",
        "smith john",
        "smith, jo",
        "smtih jhon",
        "smyth",
        "john",
        "mari",
        "de la cruz maria",
        "1980-03-04",
        "smith 1980-03-04",
        "smith 1980",
        "1975",
        "518-555-0142",
        "XK9-123456",
        "smith 518-555-0142",
    ],
)
def test_every_search_query_uses_an_index(patients, typed):
    sqls = queries_of(search_patients, typed)
    assert sqls, "the search ran queries"
    if typed.startswith(("5", "X")) or "518" in typed:
        sqls += queries_of(search_patients, patients.mrn)
    for sql in sqls:
        plan = plan_of(sql)
        if connection.vendor == "postgresql":
            assert not plan, f"{typed!r}:\n{sql}\n{plan}"
        else:
            text = "\n".join(plan)
            scans = [line for line in plan if line.startswith("SCAN ")]
            assert not scans, f"{typed!r}:\n{sql}\n{text}"
            assert any(line.startswith("SEARCH ") for line in plan), text


def test_duplicate_worklist_joins_through_an_index(patients):
    for sql in queries_of(duplicate_pairs)[:2]:
        plan = plan_of(sql)
        if connection.vendor == "postgresql":
            # One pass over the table is inherent to finding every pair; the other side of the
            # join must be an index look-up, not a second scan.
            assert len([p for p in plan if p.startswith("Seq Scan")]) <= 1, plan
        else:
            assert any(line.startswith("SEARCH b USING") for line in plan), plan
