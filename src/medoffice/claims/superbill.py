"""The printable superbill (ReportLab): practice header, patient, coverage, diagnoses with their
descriptions, procedures with units, modifiers and amounts, and the provider's signature line."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.flowables import Flowable

from medoffice.claims.selectors import Superbill
from medoffice.core.pdf import CELL, STYLES, page_footer
from medoffice.core.pdf import escape as _escape
from medoffice.core.pdf import table as _table


def _section(story: list[Flowable], title: str, table: Flowable | None, empty: str) -> None:
    story.append(Paragraph(_escape(title), STYLES["Heading2"]))
    story.append(table if table is not None else Paragraph(empty, STYLES["BodyText"]))
    story.append(Spacer(1, 6))


def superbill_pdf(bill: Superbill) -> bytes:
    encounter, patient, practice = bill.encounter, bill.encounter.patient, bill.practice
    location = encounter.location
    buffer = io.BytesIO()
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    footer = page_footer(
        f"{patient.family_name}, {patient.given_name} - MRN {patient.mrn} - printed "
        f"{generated} - confidential health information"
    )

    doc = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
        topMargin=0.6 * inch, bottomMargin=0.7 * inch,
        title=f"Superbill - MRN {patient.mrn} - {encounter.start:%Y-%m-%d}",
        author=practice.name if practice else "MedOffice",
    )  # fmt: skip
    address = ", ".join(
        p for p in (location.address_line1, location.city, f"{location.state} {location.postal_code}".strip()) if p
    ) if location else ""  # fmt: skip
    npi = (location.npi if location else "") or (practice.group_npi if practice else "")
    story: list[Flowable] = [
        Paragraph(_escape(practice.name if practice else "Superbill"), STYLES["Title"]),
        Paragraph(
            _escape(
                " · ".join(
                    p
                    for p in (
                        location.name if location else "",
                        address,
                        f"NPI {npi}" if npi else "",
                        f"Tax id {practice.tax_id}" if practice and practice.tax_id else "",
                        location.phone if location else "",
                    )
                    if p
                )
            ),
            STYLES["Normal"],
        ),
        Spacer(1, 8),
    ]
    facts = [
        ["Patient", f"{patient.family_name}, {patient.given_name}"],
        ["MRN", patient.mrn],
        ["Date of birth", patient.birth_date.isoformat()],
        ["Date of service", timezone.localtime(encounter.start).strftime("%Y-%m-%d %H:%M")],
        ["Visit", f"{encounter.get_type_display()}: {encounter.reason}".strip(": ")],
        [
            "Rendering provider",
            f"{bill.provider} (NPI {bill.provider.npi})" if bill.provider else "",
        ],
    ]
    story.append(_table(["Visit", ""], [r for r in facts if r[1]], [1.9, 5.4]))
    story.append(Spacer(1, 6))
    coverage_rows = [
        [c.get_priority_display(), c.payer.name, c.plan_name, c.member_id, c.group_number,
         f"${c.copay}"]
        for c in bill.coverages
    ]  # fmt: skip
    _section(
        story, "Insurance on the date of service",
        _table(["Priority", "Payer", "Plan", "Member id", "Group", "Copay"], coverage_rows,
               [0.8, 1.9, 1.5, 1.2, 1.0, 0.9]) if coverage_rows else None,
        "No coverage active on the date of service: self-pay.",
    )  # fmt: skip
    dx_rows = [[d.rank, d.code, d.description] for d in bill.diagnoses]
    _section(
        story, "Diagnoses (ICD-10-CM)",
        _table(["#", "Code", "Description"], dx_rows, [0.4, 0.9, 6.0]) if dx_rows else None,
        "No diagnoses coded.",
    )  # fmt: skip
    total = sum((c.billed_amount for c in bill.charges), Decimal("0.00"))
    px_rows: list[list[Any]] = [
        [c.procedure_code.code, c.procedure_code.description, " ".join(c.modifiers), c.units,
         ",".join(str(p) for p in c.diagnosis_pointers), c.place_of_service, f"${c.billed_amount}"]
        for c in bill.charges
    ]  # fmt: skip
    if px_rows:
        px_rows.append(["", "Total", "", "", "", "", f"${total}"])
    _section(
        story, "Procedures and services",
        _table(["Code", "Description", "Modifiers", "Units", "Dx", "POS", "Amount"], px_rows,
               [0.7, 3.0, 0.8, 0.5, 0.7, 0.5, 1.1]) if px_rows else None,
        "No charges captured yet.",
    )  # fmt: skip
    story.append(Spacer(1, 28))
    signer = str(bill.provider) if bill.provider else ""
    line = "_" * 48
    signature = Table(
        [[Paragraph(f"<br/><br/>{line}<br/>Provider signature: {_escape(signer)}", CELL),
          Paragraph(f"<br/><br/>{'_' * 18}<br/>Date", CELL)]],
        colWidths=[5.3 * inch, 2.0 * inch],
    )  # fmt: skip
    story.append(signature)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
