"""A printable summary of a patient's record (ReportLab): demographics, coverage, problems,
allergies, medications, immunizations, recent vital signs and results, encounters."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from medoffice.core.pdf import STYLES, page_footer
from medoffice.core.pdf import escape as _escape
from medoffice.core.pdf import table as _table

RECENT = 20


def _section(
    story: list[Flowable],
    title: str,
    header: list[str],
    rows: list[list[Any]],
    widths: list[float],
    empty: str = "None recorded.",
) -> None:
    story.append(Paragraph(_escape(title), STYLES["Heading2"]))
    story.append(_table(header, rows, widths) if rows else Paragraph(empty, STYLES["BodyText"]))
    story.append(Spacer(1, 6))


# UCUM codes as people write them.
UNIT_LABELS = {"mm[Hg]": "mm Hg", "Cel": "°C", "{score}": "/ 10", "/min": "/min", "kg/m2": "kg/m²"}


def _measure(value: Any, unit: str) -> str:
    number = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return f"{number} {UNIT_LABELS.get(unit, unit)}".strip()


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def record_pdf(record: Any) -> bytes:
    patient = record.patient
    buffer = io.BytesIO()
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    footer = page_footer(
        f"{patient.family_name}, {patient.given_name} - MRN {patient.mrn} - "
        f"generated {generated} - confidential health information"
    )

    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
        title=f"Health record summary - MRN {patient.mrn}",
        author=record.practice.name if record.practice else "MedOffice",
    )
    story: list[Flowable] = [
        Paragraph("Health record summary", STYLES["Title"]),
        Paragraph(_escape(record.practice.name if record.practice else ""), STYLES["Normal"]),
        Spacer(1, 8),
    ]
    address = ", ".join(
        p
        for p in (
            patient.address_line1,
            patient.address_line2,
            patient.city,
            f"{patient.state} {patient.postal_code}".strip(),
        )
        if p
    )
    demographics = [
        [
            "Name",
            f"{patient.given_name} {patient.middle_name} {patient.family_name} {patient.suffix}".replace(
                "  ", " "
            ).strip(),
        ],
        ["MRN", patient.mrn],
        ["Date of birth", patient.birth_date.isoformat()],
        ["Sex assigned at birth", patient.get_sex_at_birth_display()],
        ["Preferred language", patient.preferred_language],
        ["Phone", patient.phone_mobile or patient.phone_home or patient.phone_work],
        ["E-mail", patient.email],
        ["Address", address],
        ["Primary care provider", str(patient.primary_care_provider or "")],
        [
            "Status",
            patient.get_status_display()
            + (f" ({patient.deceased_date})" if patient.deceased_date else ""),
        ],
    ]
    story.append(_table(["Patient", ""], [r for r in demographics if r[1]], [1.9, 5.4]))
    story.append(Spacer(1, 6))
    _section(
        story,
        "Insurance coverage",
        ["Priority", "Payer", "Plan", "Member id", "Effective"],
        [
            [
                c.get_priority_display(),
                c.payer.name,
                c.plan_name,
                c.member_id,
                f"{c.effective_date} to {c.end_date or 'open'}",
            ]
            for c in record.coverages
        ],
        [0.8, 2.0, 1.6, 1.3, 1.6],
    )
    _section(
        story,
        "Problems",
        ["Problem", "Code", "Status", "Onset", "Resolved"],
        [
            [
                p.description,
                f"{p.code_system} {p.code}".strip() if p.code else "",
                p.get_status_display(),
                p.onset_date or "",
                p.resolved_date or "",
            ]
            for p in record.problems
        ],
        [2.9, 1.4, 0.9, 1.0, 1.1],
    )
    _section(
        story,
        "Allergies",
        ["Substance", "Reaction", "Severity", "Status"],
        [
            [a.substance, a.reaction, a.get_severity_display(), a.get_status_display()]
            for a in record.allergies
        ],
        [2.4, 2.6, 1.1, 1.2],
        empty="No known allergies recorded.",
    )
    _section(
        story,
        "Medications",
        ["Medication", "Dose and frequency", "Status", "Start", "Stop"],
        [
            [
                m.name,
                " ".join(p for p in (m.dose, m.route, m.frequency) if p),
                m.get_status_display(),
                m.start_date or "",
                m.stop_date or "",
            ]
            for m in record.medications
        ],
        [2.7, 1.9, 0.9, 0.9, 0.9],
    )
    _section(
        story,
        "Immunizations",
        ["Vaccine", "CVX", "Given", "Status"],
        [
            [i.vaccine, i.cvx, i.administered_on, i.get_status_display()]
            for i in record.immunizations
        ],
        [3.8, 0.8, 1.2, 1.5],
    )
    _section(
        story,
        f"Recent vital signs (last {RECENT})",
        ["Taken", "Measurement", "Value"],
        [
            [_local(v.taken_at), v.get_kind_display(), _measure(v.value, v.unit)]
            for v in record.vitals[:RECENT]
        ],
        [1.8, 3.2, 2.3],
    )
    _section(
        story,
        f"Recent results (last {RECENT})",
        ["Collected", "Test", "Result", "Range", "Flag"],
        [
            [
                _local(lab.collected_at),
                lab.test_name,
                f"{lab.value} {lab.unit}".strip(),
                lab.reference_text
                or " - ".join(
                    str(x) for x in (lab.reference_low, lab.reference_high) if x is not None
                ),
                lab.get_flag_display() if lab.flag else "",
            ]
            for lab in record.labs[:RECENT]
        ],
        [1.3, 2.6, 1.3, 1.3, 0.8],
    )
    diagnoses: dict[int, list[str]] = {}
    for d in record.diagnoses:
        diagnoses.setdefault(d.encounter_id, []).append(f"{d.code} {d.description}")
    _section(
        story,
        "Encounters",
        ["Date", "Type", "Provider", "Reason", "Diagnoses"],
        [
            [
                _local(e.start),
                e.get_type_display(),
                str(e.provider or ""),
                e.reason,
                "; ".join(diagnoses.get(e.pk, [])),
            ]
            for e in record.encounters
        ],
        [1.2, 1.1, 1.3, 1.8, 1.9],
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
