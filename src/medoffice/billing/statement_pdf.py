"""The printable patient statement (ReportLab): practice header and remit-to address, who it is
mailed to, account number (MRN), statement date, the activity, the balance's aging, the amount
due, and a tear-off payment stub."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from medoffice.billing.models import Statement
from medoffice.core.pdf import CELL, STYLES, page_footer
from medoffice.core.pdf import escape as _escape
from medoffice.core.pdf import table as _table

BIG = STYLES["BodyText"].clone("st_big", fontSize=12, leading=15, fontName="Helvetica-Bold")


def _money(value: Any) -> str:
    return f"${value}" if value else ""


def _remit_to() -> tuple[str, list[str], str]:
    """The practice's name, the main location's address (where payments are mailed), phone."""
    from medoffice.organization.models import Location, Practice

    practice = Practice.objects.order_by("pk").first()
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    name = practice.name if practice else "Your medical office"
    lines: list[str] = []
    if location:
        city = " ".join(p for p in (f"{location.city},", location.state, location.postal_code) if p)
        lines = [x for x in (location.address_line1, location.address_line2, city) if x.strip(",")]
    phone = (practice.phone if practice and practice.phone else "") or (
        location.phone if location else ""
    )
    return name, lines, phone


def statement_pdf(statement: Statement) -> bytes:
    patient = statement.patient
    practice, remit_lines, phone = _remit_to()
    buffer = io.BytesIO()

    footer = page_footer(
        f"Account {patient.mrn} - statement of {statement.statement_date} - "
        "confidential health information"
    )

    doc = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
        topMargin=0.6 * inch, bottomMargin=0.7 * inch,
        title=f"Statement - account {patient.mrn} - {statement.statement_date}", author=practice,
    )  # fmt: skip
    remit = "<br/>".join(_escape(x) for x in [practice, *remit_lines, phone] if x)
    mail_to = "<br/>".join(_escape(x) for x in [statement.mail_to_name, *statement.mail_to_address])
    facts = [
        ["Account number (MRN)", patient.mrn],
        ["Patient", f"{patient.given_name} {patient.family_name}"],
        ["Statement date", statement.statement_date.isoformat()],
        ["Payment due by", statement.due_date.isoformat()],
        ["Amount due", f"${statement.amount_due}"],
    ]
    header = Table(
        [[Paragraph(remit, CELL), _table(["Statement", ""], facts, [1.5, 1.7])],
         [Paragraph(mail_to, CELL), ""]],
        colWidths=[3.9 * inch, 3.4 * inch],
    )  # fmt: skip
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Flowable] = [Paragraph(_escape(practice), STYLES["Title"]), header, Spacer(1, 10)]
    rows = [
        [ln.day.isoformat(), ln.description, ln.code, _money(ln.charge), _money(ln.insurance_paid),
         _money(ln.adjustment), f"${ln.patient_amount}" if ln.patient_amount else ""]
        for ln in statement.lines.all()
    ]  # fmt: skip
    story.append(Paragraph("Activity since your last statement", STYLES["Heading2"]))
    story.append(Paragraph(f"Previous balance: ${statement.previous_balance}", CELL))
    if rows:
        story.append(
            _table(
                [
                    "Date",
                    "Description",
                    "Code",
                    "Charges",
                    "Insurance paid",
                    "Adjustments",
                    "Your share",
                ],
                rows,
                [0.8, 2.6, 0.6, 0.8, 0.9, 0.8, 0.8],
            )
        )
    else:
        story.append(Paragraph("No new activity.", CELL))
    story.append(Spacer(1, 6))
    story.append(Paragraph(f"Balance: ${statement.balance}", BIG))
    story.append(Paragraph("How long the balance has been owed", STYLES["Heading2"]))
    labels = [f"{label} days" for label, _ in statement.aging]
    story.append(_table(labels, [[f"${amount}" for _, amount in statement.aging]], [1.46] * 5))
    story.append(Spacer(1, 8))
    story.append(Paragraph(f"Amount due now: ${statement.amount_due} by {statement.due_date}", BIG))
    story.append(Spacer(1, 18))
    story.append(Paragraph("- - - - - - - - - - Please detach and return this part with your "
                           "payment - - - - - - - - - -", CELL))  # fmt: skip
    stub = [
        ["Account number", patient.mrn],
        ["Patient", f"{patient.given_name} {patient.family_name}"],
        ["Statement date", statement.statement_date.isoformat()],
        ["Amount due", f"${statement.amount_due}"],
        ["Amount enclosed", "$ ____________"],
    ]
    story.append(
        Table(
            [
                [
                    _table(["Payment stub", ""], stub, [1.4, 1.8]),
                    Paragraph(f"Make checks payable to and mail to:<br/>{remit}", CELL),
                ]
            ],
            colWidths=[3.6 * inch, 3.7 * inch],
        )
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
