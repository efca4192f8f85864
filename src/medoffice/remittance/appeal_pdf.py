"""The printable appeal letter (ReportLab), from the letter as it was kept: the practice's
letterhead, the date, the payer's address, what the letter is about (patient, claim numbers,
dates of service), the services and the denial reasons, the body, the signature and the
enclosures."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.pagesizes import letter as LETTER
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from medoffice.core.pdf import CELL, STYLES, escape, page_footer, table
from medoffice.remittance.models import AppealLetter

BODY = STYLES["BodyText"].clone("appeal_body", fontSize=10.5, leading=14, spaceAfter=6)
SMALL = STYLES["BodyText"].clone("appeal_small", fontSize=8.5, leading=10.5)
HEAD = STYLES["Title"].clone("appeal_head", fontSize=16, leading=19, spaceAfter=2)
BOLD = STYLES["BodyText"].clone("appeal_bold", fontSize=10.5, leading=14,
                                fontName="Helvetica-Bold")  # fmt: skip


def long_date(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%B} {day.day}, {day.year}"


def regarding(letter: AppealLetter) -> list[list[str]]:
    """The "Re:" facts, in the order a payer's appeals desk looks them up."""
    facts = letter.facts
    patient, claim = facts["patient"], facts["claim"]
    rows = [
        ["Patient", patient["name"]],
        ["Date of birth", long_date(patient["birth_date"]) if patient["birth_date"] else ""],
        ["Member id", patient["member_id"]],
        ["Payer claim number", claim["payer_claim_number"]],
        ["Our claim number", claim["patient_control_number"]],
        ["Date(s) of service", ", ".join(long_date(d) for d in claim["service_dates"])],
        ["Denial reason", facts["reason"]["label"]],
    ]
    return [r for r in rows if r[1]]


def _lines(text: list[str]) -> str:
    return "<br/>".join(escape(t) for t in text if t)


def appeal_letter_pdf(letter: AppealLetter) -> bytes:
    facts = letter.facts
    head, payer, claim = facts["letterhead"], facts["payer"], facts["claim"]
    buffer = io.BytesIO()

    footer = page_footer(
        f"Appeal - claim {claim['patient_control_number']} - letter {letter.pk}, "
        f"{letter.letter_date} - confidential health information",
        margin=0.75 * inch,
    )

    doc = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
        topMargin=0.6 * inch, bottomMargin=0.7 * inch,
        title=f"Appeal - claim {claim['patient_control_number']} - {letter.letter_date}",
        author=head["name"] or "MedOffice",
    )  # fmt: skip
    ids = " · ".join(
        p for p in (f"NPI {head['npi']}" if head["npi"] else "",
                    f"Tax id {head['tax_id']}" if head["tax_id"] else "", head["phone"]) if p
    )  # fmt: skip
    story: list[Flowable] = [
        Paragraph(escape(head["name"] or "Billing office"), HEAD),
        Paragraph(_lines([", ".join(head["lines"]), ids]), SMALL),
        Spacer(1, 10),
        Paragraph(escape(long_date(letter.letter_date)), BODY),
        Spacer(1, 6),
        Paragraph(_lines([payer["name"], "Claims appeals", *payer["lines"]]), BODY),
        Spacer(1, 8),
        table(["Regarding", ""], regarding(letter), [1.8, 5.2]),
        Spacer(1, 6),
        table(
            ["Date of service", "Procedure", "Billed", "Paid", "Adjustments"],
            [
                [
                    long_date(ln["service_date"]) if ln["service_date"] else "",
                    ln["code"] + "".join(f"-{m}" for m in ln["modifiers"]),
                    f"${ln['billed']}",
                    f"${ln['paid']}",
                    ", ".join(ln["adjustments"]),
                ]
                for ln in facts["lines"]
            ],
            [1.4, 1.2, 0.9, 0.9, 2.6],
        ),
        Spacer(1, 4),
    ]
    codes = [[r["label"], r["text"]] for r in facts["reasons"]]
    codes += [[f"RARC {r['code']}", r["text"]] for r in facts["remarks"]]
    if codes:
        story += [table(["Reason", "Description"], codes, [1.2, 5.8]), Spacer(1, 10)]
    story += [
        Paragraph(escape(f"Dear {payer['name'] or 'claims'} appeals reviewer,"), BODY),
        Paragraph(escape(letter.subject), BOLD),
    ]
    story += [Paragraph(escape(p), BODY) for p in letter.paragraphs()]
    signer = letter.created_by.get_full_name() or letter.created_by.get_username()
    story.append(
        KeepTogether([
            Spacer(1, 6), Paragraph("Sincerely,", BODY), Spacer(1, 22),
            Paragraph(_lines([signer, f"Billing office, {head['name']}".rstrip(", "),
                              head["phone"]]), BODY),
        ])
    )  # fmt: skip
    if letter.enclosures:
        story += [Spacer(1, 10), Paragraph("Enclosures", BOLD)]
        story += [Paragraph(escape(f"- {e}"), CELL) for e in letter.enclosures]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
