"""Demo patients: registry records with coverage, consents and contacts at realistic
proportions, bulk-inserted (150,000 for the large practice)."""

from __future__ import annotations

import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from medoffice.core.demo import DemoContext, DemoStep
from medoffice.patients import names
from medoffice.patients.models import (
    Consent,
    Coverage,
    EmergencyContact,
    Patient,
    PatientAlert,
    Payer,
    Pharmacy,
)
from medoffice.patients.models.documents import REQUIRED_CONSENTS
from medoffice.patients.search_index import index_names
from medoffice.patients.services import new_mrns

BATCH = 2000
PAYERS = [
    # name, EDI payer id, filing indicator, timely filing days, share of patients (weight)
    ("Medicare Part B", "MCRB1", "MB", 365, 22),
    ("New York Medicaid", "NYMCD", "MC", 90, 14),
    ("Aetna", "60054", "CI", 120, 10),
    ("Blue Cross Blue Shield of Northeastern NY", "BCBSNE", "BL", 180, 14),
    ("Cigna", "62308", "CI", 90, 6),
    ("UnitedHealthcare", "87726", "CI", 90, 12),
    ("Humana Medicare Advantage", "61101", "HM", 180, 5),
    ("MVP Health Care", "14165", "HM", 90, 8),
    ("CDPHP", "14163", "HM", 90, 6),
    ("TRICARE East", "TRICE", "CH", 365, 2),
    ("Fidelis Care", "11315", "MC", 90, 4),
]
SUPPLEMENT = ("AARP Medicare Supplement", "36273", "CI", 365)
ALERTS = [
    "Needs wheelchair access",
    "Hard of hearing: speak clearly, face the patient",
    "Bring an interpreter: Spanish",
    "Prefers a female provider",
    "Balance overdue: see billing before the visit",
    "Service animal",
    "Latex allergy: use nitrile gloves",
]
LANGUAGES = [("en", 86), ("es", 9), ("zh", 1.5), ("ru", 1), ("ar", 1), ("fr", 0.5), ("vi", 1)]
RELATIONS = ["spouse", "parent", "child", "sibling", "friend"]


def _age_weights() -> tuple[list[int], list[float]]:
    ages = list(range(0, 96))
    # A primary-care panel: children, a broad adult middle, more visits from older adults.
    weights = [1.0 if a < 18 else 1.3 if a < 45 else 1.6 if a < 75 else 0.8 for a in ages]
    return ages, weights


def _member_id(ctx: DemoContext, prefix: str) -> str:
    return prefix[:3].upper() + "".join(ctx.rng.choices(string.digits, k=9))


def create_payers(ctx: DemoContext) -> str:
    payers = Payer.objects.bulk_create(
        [
            Payer(name=n, payer_id=pid, filing_indicator=fi, timely_filing_days=days)
            for n, pid, fi, days, _ in PAYERS
        ]
        + [
            Payer(
                name=SUPPLEMENT[0],
                payer_id=SUPPLEMENT[1],
                filing_indicator=SUPPLEMENT[2],
                timely_filing_days=SUPPLEMENT[3],
            )
        ]
    )
    pharmacies = Pharmacy.objects.bulk_create(
        [
            Pharmacy(
                name=f"{ctx.fake.last_name()} {ctx.rng.choice(['Pharmacy', 'Drugs', 'Apothecary'])}",
                ncpdp_id=f"{ctx.rng.randrange(10**6, 10**7)}",
                phone=f"518-555-{ctx.rng.randrange(2000, 9999)}",
                city=ctx.rng.choice(["Albany", "Troy", "Schenectady", "Saratoga Springs"]),
                state="NY",
            )
            for _ in range(20 if ctx.size.name == "large" else 5)
        ]
    )
    ctx.shared["payers"] = payers
    ctx.shared["pharmacies"] = pharmacies
    return f"{len(payers)} payers, {len(pharmacies)} pharmacies"


def create_patients(ctx: DemoContext) -> str:
    rng, fake = ctx.rng, ctx.fake
    total = ctx.size.patients
    locations = ctx.shared["locations"]
    providers = ctx.shared["providers"]
    pharmacies = ctx.shared["pharmacies"]
    today = date.today()
    ages, age_weights = _age_weights()
    languages, language_weights = zip(*LANGUAGES, strict=True)
    mrns = new_mrns(total)
    phonetic_cache: dict[str, str] = {}

    def phonetic(name: str) -> str:
        if name not in phonetic_cache:
            phonetic_cache[name] = names.phonetic(name)
        return phonetic_cache[name]

    made = 0
    folded: set[str] = set()
    for start in ctx.progress(
        range(0, total, BATCH), total=(total + BATCH - 1) // BATCH, desc="patients"
    ):
        batch: list[Patient] = []
        for i in range(start, min(start + BATCH, total)):
            sex = rng.choice("FM") if rng.random() > 0.002 else "U"
            given = fake.first_name_female() if sex == "F" else fake.first_name_male()
            family = fake.last_name()
            age = rng.choices(ages, age_weights)[0]
            birth = today - timedelta(days=age * 365 + rng.randrange(365))
            mobile = (
                f"{rng.choice(['518', '838', '315', '607'])}-{rng.randrange(200, 1000)}-{rng.randrange(10000):04d}"
                if rng.random() < 0.85
                else ""
            )
            home = (
                f"518-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}"
                if rng.random() < 0.3
                else ""
            )
            email_ok = rng.random() < 0.55
            text_ok = bool(mobile) and rng.random() < 0.7
            deceased = age > 60 and rng.random() < 0.02
            status = "deceased" if deceased else ("inactive" if rng.random() < 0.06 else "active")
            language = rng.choices(languages, language_weights)[0]
            patient = Patient(
                mrn=mrns[i],
                family_name=family,
                given_name=given,
                middle_name=fake.first_name()[0] if rng.random() < 0.4 else "",
                preferred_name=given[:3] if rng.random() < 0.03 else "",
                family_norm=names.fold(family),
                given_norm=names.fold(given),
                family_phonetic=phonetic(family),
                given_phonetic=phonetic(given),
                birth_date=birth,
                sex_at_birth=sex,
                preferred_language=language,
                interpreter_needed=language != "en" and rng.random() < 0.6,
                ethnicity=rng.choices(["2186-5", "2135-2", ""], [70, 12, 18])[0],
                race=rng.choices(
                    [["2106-3"], ["2054-5"], ["2028-9"], [], ["declined"]], [62, 14, 6, 15, 3]
                )[0],
                phone_mobile=mobile,
                phone_home=home,
                phone_digits=names.phone_digits(mobile or home),
                email=f"{names.fold(given)}.{names.fold(family)}{rng.randrange(100)}@example.com"
                if email_ok
                else "",
                consent_to_text=text_ok,
                consent_to_email=email_ok and rng.random() < 0.8,
                preferred_contact="text" if text_ok and rng.random() < 0.5 else "phone",
                address_line1=fake.street_address(),
                city=rng.choice(
                    [
                        "Albany",
                        "Troy",
                        "Schenectady",
                        "Saratoga Springs",
                        "Cohoes",
                        "Rensselaer",
                        "Delmar",
                    ]
                ),
                state="NY",
                postal_code=f"12{rng.randrange(0, 1000):03d}",
                ssn=f"{rng.randrange(100, 899)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
                if rng.random() < 0.5
                else "",
                primary_care_provider_id=rng.choice(providers).pk if rng.random() < 0.8 else None,
                preferred_pharmacy_id=rng.choice(pharmacies).pk if rng.random() < 0.7 else None,
                home_location_id=rng.choice(locations).pk,
                status=status,
                deceased_date=today - timedelta(days=rng.randrange(1, 700)) if deceased else None,
            )
            patient.ssn_last4 = patient.ssn[-4:] if patient.ssn else ""
            folded.update((patient.family_norm, patient.given_norm))
            batch.append(patient)
        Patient.objects.bulk_create(batch, batch_size=BATCH)
        made += len(batch)
    index_names(folded)
    ctx.shared["patient_ids"] = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    return f"{made} patients, {len(folded)} distinct names indexed"


def create_near_duplicates(ctx: DemoContext) -> str:
    """A few registrations that repeat an existing person with a typo: the duplicate worklist."""
    rng = ctx.rng
    ids = ctx.shared["patient_ids"]
    count = max(3, len(ids) // 1000)
    originals = Patient.objects.filter(pk__in=rng.sample(ids, count)).order_by("pk")
    mrns = new_mrns(count)
    copies = []
    for mrn, original in zip(mrns, originals, strict=False):
        family = original.family_name
        if len(family) > 3:
            pos = rng.randrange(1, len(family) - 1)
            family = family[:pos] + family[pos + 1] + family[pos] + family[pos + 2 :]
        copy = Patient(
            mrn=mrn,
            family_name=family,
            given_name=original.given_name,
            birth_date=original.birth_date,
            sex_at_birth=original.sex_at_birth,
            phone_mobile=original.phone_mobile,
            home_location_id=original.home_location_id,
            address_line1=original.address_line1,
            city=original.city,
            state=original.state,
            postal_code=original.postal_code,
        )
        copy.family_norm, copy.given_norm = names.fold(family), original.given_norm
        copy.family_phonetic, copy.given_phonetic = names.phonetic(family), original.given_phonetic
        copy.phone_digits = original.phone_digits
        copies.append(copy)
    Patient.objects.bulk_create(copies)
    index_names(c.family_norm for c in copies)
    return f"{len(copies)} likely duplicate registrations"


def create_coverage_and_consents(ctx: DemoContext) -> str:
    rng = ctx.rng
    payers: list[Payer] = ctx.shared["payers"]
    regular = payers[: len(PAYERS)]
    supplement = payers[-1]
    weights = [p[4] for p in PAYERS]
    today = date.today()
    staff = ctx.shared["users"]
    recorder = staff["frontdesk"].pk
    coverages = consents = contacts = alerts = 0
    ids = ctx.shared["patient_ids"]
    # In id order: the same walk, so the same random draws, on every database.
    rows = Patient.objects.order_by("pk").values_list("pk", "birth_date", "family_name", "status")
    buffer: dict[str, list[Any]] = {"coverage": [], "consent": [], "contact": [], "alert": []}

    def flush(force: bool = False) -> None:
        for key, model in (
            ("coverage", Coverage),
            ("consent", Consent),
            ("contact", EmergencyContact),
            ("alert", PatientAlert),
        ):
            if buffer[key] and (force or len(buffer[key]) >= BATCH):
                model.objects.bulk_create(buffer[key], batch_size=BATCH)
                buffer[key] = []

    for pk, birth, family, status in ctx.progress(
        rows.iterator(chunk_size=BATCH), total=len(ids), desc="coverage"
    ):
        age = (today - birth).days // 365
        if rng.random() < 0.9:
            payer = (
                payers[0] if age >= 65 and rng.random() < 0.7 else rng.choices(regular, weights)[0]
            )
            # Most patients had this plan before the practice's history starts (a visit before
            # the plan began is billed to the patient); some changed plans since.
            start = today - timedelta(
                days=rng.randrange(365 * 3 + 30, 365 * 10)
                if rng.random() < 0.85
                else rng.randrange(30, 365 * 3)
            )
            ended = rng.random() < 0.04
            child = age < 19 and payer.filing_indicator not in {"MC", "MB"}
            buffer["coverage"].append(
                Coverage(
                    patient_id=pk,
                    payer=payer,
                    plan_name=f"{payer.name} {rng.choice(['PPO', 'HMO', 'Standard', 'Plus'])}",
                    member_id=(mid := _member_id(ctx, payer.name)),
                    member_id_norm=mid,
                    group_number=f"G{rng.randrange(10000, 99999)}"
                    if payer.filing_indicator in {"CI", "BL", "HM"}
                    else "",
                    priority=1,
                    relationship="19" if child else "18",
                    subscriber_family_name=family if child else "",
                    subscriber_given_name=ctx.fake.first_name() if child else "",
                    subscriber_birth_date=birth - timedelta(days=365 * 28) if child else None,
                    effective_date=start,
                    end_date=today - timedelta(days=rng.randrange(1, 25)) if ended else None,
                    copay=Decimal(
                        rng.choice(["0.00", "10.00", "20.00", "25.00", "30.00", "40.00"])
                    ),
                )
            )
            coverages += 1
            if payer == payers[0] and rng.random() < 0.35:
                buffer["coverage"].append(
                    Coverage(
                        patient_id=pk,
                        payer=supplement,
                        plan_name="Medicare Supplement Plan G",
                        member_id=(mid := _member_id(ctx, "AAR")),
                        member_id_norm=mid,
                        priority=2,
                        effective_date=start,
                        copay=Decimal("0.00"),
                    )
                )
                coverages += 1
        if status != "deceased":
            signed = today - timedelta(days=rng.randrange(1, 365 * 3))
            for kind in REQUIRED_CONSENTS:
                if rng.random() < 0.97:
                    buffer["consent"].append(
                        Consent(
                            patient_id=pk,
                            kind=kind,
                            signed_on=signed,
                            recorded_by_id=recorder,
                            expires_on=signed + timedelta(days=365 * 3)
                            if kind == "financial"
                            else None,
                        )
                    )
                    consents += 1
        if rng.random() < 0.4:
            buffer["contact"].append(
                EmergencyContact(
                    patient_id=pk,
                    name=ctx.fake.name(),
                    relationship=rng.choice(RELATIONS),
                    phone=f"518-555-{rng.randrange(10000):04d}",
                    is_primary=True,
                )
            )
            contacts += 1
        if rng.random() < 0.03:
            buffer["alert"].append(
                PatientAlert(patient_id=pk, text=rng.choice(ALERTS), created_by_id=recorder)
            )
            alerts += 1
        flush()
    flush(force=True)
    return f"{coverages} coverages, {consents} consents, {contacts} emergency contacts, {alerts} alerts"


STEPS = [
    DemoStep("payers", 30, create_payers),
    DemoStep("patients", 31, create_patients),
    DemoStep("near duplicates", 32, create_near_duplicates),
    DemoStep("coverage and consents", 33, create_coverage_and_consents),
]
