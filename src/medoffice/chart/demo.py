"""Demo chart history: years of encounters with coding, signed notes, vitals and labs, plus
problem lists, allergies, medications and immunizations (bulk inserts, progress bar).

Encounters come from the demo appointments (scheduling/demo_appointments.py): one for each
completed or checked-out visit, and an in-progress one for each patient with the provider now.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from medoffice.chart.models import (
    Allergy,
    ClinicalNote,
    Encounter,
    EncounterDiagnosis,
    EncounterProcedure,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalSign,
)
from medoffice.coding import icd10
from medoffice.coding.models import ProcedureCode
from medoffice.core.demo import DemoContext, DemoStep
from medoffice.scheduling.demo_insert import insert_objects
from medoffice.scheduling.models import Appointment, AppointmentStatus

BATCH = 2000
# Common office diagnoses (billable ICD-10-CM), with how often they come up.
DIAGNOSES = [
    ("I10", 14), ("E11.9", 9), ("E78.5", 9), ("Z00.00", 6), ("Z00.01", 3), ("J06.9", 6), ("M54.50", 4),
    ("F41.1", 4), ("F32.A", 3), ("J45.909", 3), ("E66.9", 3), ("K21.9", 3), ("N39.0", 2), ("J02.9", 3),
    ("E03.9", 3), ("Z23", 5), ("R05.9", 2), ("G47.00", 2), ("E55.9", 2), ("I48.91", 1), ("J44.9", 2),
    ("M17.11", 1), ("R10.9", 1), ("H66.90", 1), ("L30.9", 1), ("Z00.129", 3), ("M25.561", 1), ("R51.9", 1),
]  # fmt: skip
CHRONIC = {
    "I10",
    "E11.9",
    "E78.5",
    "F41.1",
    "F32.A",
    "J45.909",
    "E66.9",
    "K21.9",
    "E03.9",
    "G47.00",
    "I48.91",
    "J44.9",
}
# Appointment types as encounter types; what the visit bills besides the E/M code.
ENCOUNTER_TYPES = {"office": "office", "new": "new", "physical": "wellness", "telehealth": "telehealth",
                   "nurse": "nurse", "procedure": "procedure", "injection": "procedure", "ecg": "office",
                   "spirometry": "office"}  # fmt: skip
SERVICE_CODES = {
    "procedure": ["11102"],
    "injection": ["20610"],
    "ecg": ["93000"],
    "spirometry": ["94010"],
}
# Appointments that became encounters: the visit happened, or is happening now (the front desk
# opens the encounter when the patient is roomed).
FINISHED = [AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_OUT]
VISITED = [*FINISHED, AppointmentStatus.WITH_PROVIDER, AppointmentStatus.ROOMED]
EM_CODES = {"office": ["99213", "99214", "99212"], "new": ["99203", "99204"], "telehealth": ["99213", "99214"],
            "wellness": ["99396", "99395", "99397"], "procedure": ["99213"], "nurse": ["99211"]}  # fmt: skip
ALLERGIES = [("Penicillin", "Hives", "moderate"), ("Sulfa drugs", "Rash", "mild"), ("Peanuts", "Anaphylaxis", "severe"),
             ("Latex", "Itching", "mild"), ("Codeine", "Nausea", "mild"), ("Shellfish", "Swelling", "severe")]  # fmt: skip
MEDICATIONS = {
    "I10": ("Lisinopril", "10 mg", "once daily"), "E11.9": ("Metformin", "500 mg", "twice daily"),
    "E78.5": ("Atorvastatin", "20 mg", "at bedtime"), "F41.1": ("Sertraline", "50 mg", "once daily"),
    "F32.A": ("Sertraline", "50 mg", "once daily"), "J45.909": ("Albuterol inhaler", "90 mcg", "as needed"),
    "K21.9": ("Omeprazole", "20 mg", "once daily"), "E03.9": ("Levothyroxine", "50 mcg", "once daily"),
    "I48.91": ("Apixaban", "5 mg", "twice daily"), "J44.9": ("Tiotropium inhaler", "18 mcg", "once daily"),
}  # fmt: skip
LABS = [  # name, LOINC, unit, low, high, typical, spread
    ("Hemoglobin A1c", "4548-4", "%", Decimal("4.0"), Decimal("5.6"), 6.2, 1.2),
    ("Glucose", "2345-7", "mg/dL", Decimal("70"), Decimal("99"), 105, 25),
    ("LDL cholesterol", "13457-7", "mg/dL", Decimal("0"), Decimal("99"), 115, 30),
    ("TSH", "3016-3", "m[IU]/L", Decimal("0.4"), Decimal("4.0"), 2.2, 1.5),
    ("Hemoglobin", "718-7", "g/dL", Decimal("12.0"), Decimal("17.5"), 14, 1.6),
    ("Creatinine", "2160-0", "mg/dL", Decimal("0.6"), Decimal("1.3"), 0.95, 0.25),
]
VACCINES = [("Influenza, seasonal", "141"), ("COVID-19 mRNA", "208"), ("Tdap", "115"), ("Pneumococcal PCV20", "216"),
            ("Zoster recombinant", "187"), ("Hepatitis B", "08")]  # fmt: skip


def _note_text(
    rng: Any, reason: str, codes: list[str], descriptions: dict[str, str]
) -> dict[str, str]:
    return {
        "subjective": f"{reason}. {rng.choice(['Feels well overall.', 'Symptoms improving.', 'No new complaints.', 'Worse over the last few days.'])}",
        "objective": rng.choice(["Alert, no distress. Lungs clear.", "Heart regular, no murmur.", "Exam unremarkable.", "Mild tenderness on exam."]),
        "assessment": "; ".join(descriptions[c] for c in codes) or "Well visit",
        "plan": rng.choice(["Continue current treatment. Follow up in 3 months.", "Labs ordered. Return in 2 weeks.",
                            "Start medication as discussed. Call if worse.", "Lifestyle advice given."]),
    }  # fmt: skip


def create_encounters(ctx: DemoContext) -> str:
    """An encounter for every completed appointment (and the ones in the room right now), at
    the appointment's provider, location, department and start, linked back to it."""
    rng = ctx.rng
    missing = [c for c, _ in DIAGNOSES if not icd10.is_billable(c)]
    if missing:
        raise RuntimeError(f"Demo diagnosis codes are not billable ICD-10-CM: {missing}")
    users = ctx.shared["users"]
    nurses = [u.pk for name, u in users.items() if name.startswith("nurse")]
    codes = dict(ProcedureCode.objects.values_list("code", "pk"))
    dx_codes, dx_weights = zip(*DIAGNOSES, strict=True)
    descriptions = {c: icd10.lookup(c).description for c in dx_codes}  # type: ignore[union-attr]
    now = timezone.now()
    counts = dict.fromkeys(["encounters", "diagnoses", "procedures", "notes", "vitals", "labs"], 0)
    pending: list[tuple[Encounter, str, list[str], bool, int, Any]] = []
    # The rows under each encounter are plain dicts: millions of model instances cost minutes.

    def flush() -> None:
        insert_objects(Encounter, [p[0] for p in pending])
        dx, procs, notes, vitals, labs = [], [], [], [], []
        for encounter, appt_type, dx_list, finished, _, roomed_at in pending:
            visit_type = encounter.type
            for rank, code in enumerate(dx_list, start=1):
                dx.append(
                    dict(
                        encounter_id=encounter.pk,
                        code=code,
                        description=descriptions[code],
                        rank=rank,
                        billable=True,
                    )
                )
            if not finished:
                continue
            em = rng.choice(EM_CODES[visit_type])
            if em in codes and dx_list:
                procs.append(
                    dict(
                        encounter_id=encounter.pk,
                        code_id=codes[em],
                        units=1,
                        diagnosis_pointers=[1],
                    )
                )
                for extra in SERVICE_CODES.get(appt_type, []):
                    if extra in codes:
                        procs.append(dict(encounter_id=encounter.pk, code_id=codes[extra],
                                                        units=1, diagnosis_pointers=[1]))  # fmt: skip
                if "Z23" in dx_list and "90471" in codes:
                    procs.append(
                        dict(
                            encounter_id=encounter.pk,
                            code_id=codes["90471"],
                            units=1,
                            diagnosis_pointers=[dx_list.index("Z23") + 1],
                        )
                    )
            end = encounter.end or encounter.start
            recent = (now - end) < timedelta(days=3)
            signed = not (recent and rng.random() < 0.4) and rng.random() > 0.005
            signed_at = min(end + timedelta(hours=rng.randrange(1, 30)), now) if signed else None
            notes.append(
                dict(
                    encounter_id=encounter.pk,
                    author_id=encounter.provider_id,
                    status="signed" if signed else "draft",
                    signed_at=signed_at,
                    signed_by_id=encounter.provider_id if signed else None,
                    created_at=end,
                    updated_at=signed_at or end,
                    **_note_text(rng, encounter.reason, dx_list, descriptions),
                )
            )
            if visit_type != "telehealth" and rng.random() < 0.7:
                nurse = rng.choice(nurses) if nurses else None
                taken = (roomed_at or encounter.start) + timedelta(minutes=3)
                sbp = rng.randrange(104, 168)
                for kind, value, unit in (
                    ("sbp", sbp, "mm[Hg]"), ("dbp", rng.randrange(62, min(104, sbp - 20)), "mm[Hg]"),
                    ("hr", rng.randrange(54, 104), "/min"), ("weight", round(rng.gauss(80, 18), 1), "kg"),
                ):  # fmt: skip
                    value = max(Decimal("20"), min(Decimal(str(value)), Decimal("300")))
                    vitals.append(dict(patient_id=encounter.patient_id, encounter_id=encounter.pk, kind=kind, value=value,
                                            unit=unit, taken_at=taken, recorded_by_id=nurse))  # fmt: skip
            if rng.random() < 0.1:
                for name, loinc, unit, low, high, typical, spread in rng.sample(LABS, 3):
                    value = Decimal(str(round(max(0.1, rng.gauss(typical, spread)), 1)))
                    flag = "L" if value < low else "H" if value > high else "N"
                    labs.append(
                        dict(
                            patient_id=encounter.patient_id,
                            encounter_id=encounter.pk,
                            test_name=name,
                            loinc=loinc,
                            value=str(value),
                            value_numeric=value,
                            unit=unit,
                            reference_low=low,
                            reference_high=high,
                            flag=flag,
                            collected_at=encounter.start + timedelta(minutes=30),
                            resulted_at=encounter.start + timedelta(days=1),
                            performing_lab="Capital Region Labs",
                        )
                    )
        for model, rows, key in ((EncounterDiagnosis, dx, "diagnoses"), (EncounterProcedure, procs, "procedures"),
                                 (ClinicalNote, notes, "notes"), (VitalSign, vitals, "vitals"), (LabResult, labs, "labs")):  # fmt: skip
            insert_objects(model, rows)
            counts[key] += len(rows)
        # Link each appointment to its encounter (one statement, many parameter rows).
        table = Appointment._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET encounter_id = %s WHERE id = %s",  # noqa: S608 - model table name
                [(p[0].pk, p[4]) for p in pending],
            )
        counts["encounters"] += len(pending)
        pending.clear()

    seen = Appointment.objects.filter(status__in=VISITED).order_by("pk")
    columns = ("pk", "patient_id", "provider__user_id", "location_id", "department_id", "type__code",
               "start", "status", "reason", "roomed_at", "checked_out_at")  # fmt: skip
    for (
        pk,
        patient,
        user,
        location,
        department,
        appt_type,
        start,
        status,
        reason,
        roomed_at,
        out_at,
    ) in ctx.progress(
        seen.values_list(*columns).iterator(chunk_size=BATCH), total=seen.count(), desc="encounters"
    ):
        finished = status in FINISHED
        visit_type = ENCOUNTER_TYPES[appt_type]
        if visit_type == "wellness":
            dx_list = ["Z00.00" if rng.random() < 0.7 else "Z00.01"]
        elif finished and rng.random() < 0.01:
            dx_list = []  # a finished visit nobody coded: the records audit finds it
        else:
            dx_list = list(
                dict.fromkeys(rng.choices(dx_codes, dx_weights, k=rng.choice([1, 1, 2, 2, 3])))
            )
        encounter = Encounter(
            patient_id=patient,
            location_id=location,
            department_id=department,
            provider_id=user,
            type=visit_type,
            reason=reason,
            start=start,
            end=max(out_at, start) if finished else None,
            status="finished" if finished else "in-progress",
            # Opened when the patient was roomed; last touched when the visit ended.
            created_at=roomed_at or start,
            updated_at=max(out_at, start) if finished else roomed_at or start,
        )
        pending.append(
            (encounter, appt_type, dx_list if finished else dx_list[:1], finished, pk, roomed_at)
        )
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()
    return ", ".join(f"{n} {k}" for k, n in counts.items())


def create_chart_lists(ctx: DemoContext) -> str:
    """Per-patient lists: problems from their chronic diagnoses, allergies, medications, vaccines."""
    rng = ctx.rng
    today = date.today()
    chronic = [c for c in CHRONIC if icd10.is_billable(c)]
    rows: dict[str, list[Any]] = {
        "problems": [],
        "allergies": [],
        "medications": [],
        "immunizations": [],
    }
    totals = dict.fromkeys(rows, 0)
    models = {
        "problems": Problem,
        "allergies": Allergy,
        "medications": Medication,
        "immunizations": Immunization,
    }

    def flush(force: bool = False) -> None:
        for key, items in rows.items():
            if items and (force or len(items) >= BATCH):
                models[key].objects.bulk_create(items, batch_size=BATCH)
                totals[key] += len(items)
                rows[key] = []

    patients = ctx.shared["patient_ids"]
    for pk in ctx.progress(patients, desc="chart lists"):
        onset = today - timedelta(days=rng.randrange(100, 365 * 10))
        for code in rng.sample(chronic, k=rng.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]):
            rows["problems"].append(Problem(patient_id=pk, code_system="ICD-10-CM", code=code,
                                            description=icd10.lookup(code).description, onset_date=onset))  # type: ignore[union-attr]  # fmt: skip
            if code in MEDICATIONS and rng.random() < 0.8:
                name, dose, frequency = MEDICATIONS[code]
                rows["medications"].append(Medication(patient_id=pk, name=name, dose=dose, route="by mouth",
                                                      frequency=frequency, start_date=onset + timedelta(days=14)))  # fmt: skip
        if rng.random() < 0.22:
            substance, reaction, severity = rng.choice(ALLERGIES)
            rows["allergies"].append(
                Allergy(
                    patient_id=pk,
                    substance=substance,
                    reaction=reaction,
                    severity=severity,
                    recorded_date=onset,
                )
            )
        for vaccine, cvx in rng.sample(VACCINES, k=rng.choices([0, 1, 2, 3], [30, 35, 25, 10])[0]):
            rows["immunizations"].append(Immunization(patient_id=pk, vaccine=vaccine, cvx=cvx,
                                                      administered_on=today - timedelta(days=rng.randrange(20, 900)),
                                                      lot_number=f"L{rng.randrange(10000, 99999)}", site="left deltoid"))  # fmt: skip
        flush()
    flush(force=True)
    return ", ".join(f"{n} {k}" for k, n in totals.items())


STEPS = [
    DemoStep("encounters", 40, create_encounters),
    DemoStep("chart lists", 41, create_chart_lists),
]
