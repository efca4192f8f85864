"""The CMS-1500 (02/12) paper claim, printed to line up with the pre-printed red form.

The form is a character grid: 10 columns per inch, 6 lines per inch, and every item's data has
its line and column (the NUCC print layout, as claim software has long printed it to the form).
Data is set in Courier 10 pt at those positions, so the PDF printed at 100 % on the red form puts
each value in its box. With `background=True` the box outlines and short item labels are drawn
as well, for a readable claim on plain paper.

The data comes from the same gathering as the 837P (`submission.mapping.claim_837p`), so the paper
claim and the electronic one say the same thing; only what the 837P does not carry (the patient's
phone, the referring provider's name, the date of the visit, the site's name) is read besides.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from medoffice.claims.models import Claim
from medoffice.interop.x12 import claim837p as x12

PAGE_WIDTH, PAGE_HEIGHT = letter
COLUMN = 7.2  # points: 10 characters per inch
LINE = 12.0  # points: 6 lines per inch
LEFT = 20.0  # points from the paper's left edge to column 1
TOP = 24.0  # points from the paper's top edge to the top of line 1
BASELINE = 9.0  # from the top of a line to the baseline of Courier 10 pt
LINES_PER_PAGE = 6  # service lines in item 24
FORM_RED = colors.HexColor("#c8102e")

# Item 1: the program box checked for the payer's claim filing indicator (SBR09).
PROGRAM_COLUMN = {"MB": 1, "MA": 1, "MC": 8, "CH": 15, "VA": 24, "FI": 39}
GROUP_HEALTH_PLANS = {"CI", "BL", "HM", "12", "13", "14", "15", "16", "17", "LM", "DS"}
PROGRAM_GROUP, PROGRAM_OTHER = 31, 45
RELATIONSHIP_COLUMN = {"18": 33, "01": 38, "19": 42}  # item 6; anything else is "other"
RELATIONSHIP_OTHER = 47


def position(line: int, column: int) -> tuple[float, float]:
    """The baseline point (PDF points, origin bottom left) of a character cell of the form."""
    return LEFT + (column - 1) * COLUMN, PAGE_HEIGHT - TOP - (line - 1) * LINE - BASELINE


@dataclass(frozen=True)
class Box:
    """One item's box on the form: its label and the cells it spans (first line is the label's)."""

    item: str
    label: str
    col_from: int
    col_to: int
    line_from: int
    line_to: int

    def contains(self, x: float, y: float) -> bool:
        left = LEFT + (self.col_from - 1) * COLUMN
        right = LEFT + self.col_to * COLUMN
        top = PAGE_HEIGHT - TOP - (self.line_from - 1) * LINE
        bottom = PAGE_HEIGHT - TOP - self.line_to * LINE
        return left - 0.01 <= x < right and bottom <= y <= top


_BOX_ROWS = [
    ("carrier", "CARRIER (PAYER NAME AND ADDRESS)", 41, 79, 1, 5),
    ("1", "1 PROGRAM", 1, 48, 7, 8),
    ("1a", "1a INSURED'S ID NUMBER", 50, 79, 7, 8),
    ("2", "2 PATIENT'S NAME (LAST, FIRST, MI)", 1, 29, 9, 10),
    ("3", "3 PATIENT'S BIRTH DATE (MM DD YYYY) / SEX", 30, 48, 9, 10),
    ("4", "4 INSURED'S NAME (LAST, FIRST, MI)", 50, 79, 9, 10),
    ("5", "5 PATIENT'S ADDRESS, CITY, STATE, ZIP, PHONE", 1, 29, 11, 16),
    ("6", "6 PATIENT RELATIONSHIP TO INSURED", 30, 48, 11, 12),
    ("8", "8 RESERVED FOR NUCC USE", 30, 48, 13, 16),
    ("7", "7 INSURED'S ADDRESS, CITY, STATE, ZIP, PHONE", 50, 79, 11, 16),
    ("9", "9 OTHER INSURED'S NAME", 1, 29, 17, 18),
    ("9a", "9a OTHER INSURED'S POLICY OR GROUP", 1, 29, 19, 20),
    ("9b", "9b RESERVED FOR NUCC USE", 1, 29, 21, 22),
    ("9c", "9c RESERVED FOR NUCC USE", 1, 29, 23, 24),
    ("9d", "9d OTHER INSURANCE PLAN NAME", 1, 29, 25, 26),
    ("10", "10 CONDITION RELATED TO:", 30, 48, 17, 18),
    ("10a", "10a EMPLOYMENT?", 30, 48, 19, 20),
    ("10b", "10b AUTO ACCIDENT? / STATE", 30, 48, 21, 22),
    ("10c", "10c OTHER ACCIDENT?", 30, 48, 23, 24),
    ("10d", "10d CLAIM CODES", 30, 48, 25, 26),
    ("11", "11 INSURED'S POLICY GROUP OR FECA NUMBER", 50, 79, 17, 18),
    ("11a", "11a INSURED'S BIRTH DATE / SEX", 50, 79, 19, 20),
    ("11b", "11b OTHER CLAIM ID", 50, 79, 21, 22),
    ("11c", "11c INSURANCE PLAN OR PROGRAM NAME", 50, 79, 23, 24),
    ("11d", "11d ANOTHER HEALTH BENEFIT PLAN?", 50, 79, 25, 26),
    ("12", "12 PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE", 1, 48, 27, 29),
    ("13", "13 INSURED'S OR AUTHORIZED PERSON'S SIGNATURE", 50, 79, 27, 29),
    ("14", "14 DATE OF CURRENT ILLNESS / QUAL", 1, 29, 31, 32),
    ("15", "15 OTHER DATE / QUAL", 30, 48, 31, 32),
    ("16", "16 UNABLE TO WORK FROM / TO", 50, 79, 31, 32),
    ("17", "17 REFERRING PROVIDER", 1, 29, 33, 34),
    ("17b", "17a / 17b NPI", 30, 48, 33, 34),
    ("18", "18 HOSPITALIZATION FROM / TO", 50, 79, 33, 34),
    ("19", "19 ADDITIONAL CLAIM INFORMATION", 1, 48, 35, 36),
    ("20", "20 OUTSIDE LAB? $ CHARGES", 50, 79, 35, 36),
    ("21", "21 DIAGNOSES (A-L) / ICD IND", 1, 48, 37, 40),
    ("22", "22 RESUBMISSION CODE / ORIGINAL REF NO", 50, 79, 37, 38),
    ("23", "23 PRIOR AUTHORIZATION NUMBER", 50, 79, 39, 40),
    ("24", "24 A DATES OF SERVICE FROM TO  B POS  C EMG  D CPT/HCPCS MODIFIER  "
           "E DX PTR  F $ CHARGES  G UNITS  H EPSDT  I QUAL  J RENDERING NPI", 1, 79, 41, 42),
    ("24-lines", "", 1, 79, 43, 54),
    ("25", "25 FEDERAL TAX ID", 1, 21, 55, 56),
    ("26", "26 PATIENT'S ACCOUNT NO", 23, 36, 55, 56),
    ("27", "27 ACCEPT ASSIGNMENT?", 37, 48, 55, 56),
    ("28", "28 TOTAL CHARGE", 50, 60, 55, 56),
    ("29", "29 AMOUNT PAID", 61, 70, 55, 56),
    ("30", "30 RSVD NUCC", 71, 79, 55, 56),
    ("31", "31 SIGNATURE OF PHYSICIAN / DATE", 1, 21, 57, 61),
    ("32", "32 SERVICE FACILITY / 32a NPI", 23, 48, 57, 61),
    ("33", "33 BILLING PROVIDER INFO & PH #", 50, 79, 57, 61),
]  # fmt: skip
BOXES: dict[str, Box] = {row[0]: Box(*row) for row in _BOX_ROWS}
# The check boxes (line, column of the X) with their captions, for the plain-paper copy.
CHECKBOXES = [
    (8, 1, "MEDICARE"), (8, 8, "MEDICAID"), (8, 15, "TRICARE"), (8, 24, "CHAMPVA"),
    (8, 31, "GROUP"), (8, 39, "FECA"), (8, 45, "OTHER"),
    (10, 42, "M"), (10, 47, "F"),
    (12, 33, "SELF"), (12, 38, "SPOUSE"), (12, 42, "CHILD"), (12, 47, "OTHER"),
    *[(line, col, text) for line in (20, 22, 24) for col, text in ((35, "YES"), (41, "NO"))],
    (20, 68, "M"), (20, 75, "F"), (26, 52, "YES"), (26, 57, "NO"),
    (56, 17, "SSN"), (56, 19, "EIN"), (56, 38, "YES"), (56, 43, "NO"),
]  # fmt: skip
# Item 24's columns: (first column, last column) of A from, A to, B ... J.
LINE_COLUMNS = [(1, 8), (10, 17), (19, 20), (22, 23), (25, 31), (33, 44), (45, 48), (50, 57),
                (59, 61), (63, 64), (65, 66), (68, 79)]  # fmt: skip


@dataclass(frozen=True)
class Person:
    name: str  # LAST, FIRST, MI
    birth_date: date | None = None
    sex: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ServiceLine:
    service_date: date
    place_of_service: str
    procedure_code: str
    modifiers: tuple[str, ...]
    pointers: str  # letters, e.g. "AB"
    charge: Decimal
    units: int
    rendering_npi: str
    paid_before: Decimal  # what the payers before this one paid on it (item 29)


@dataclass(frozen=True)
class PaperClaim:
    """Everything the form shows, gathered once (see `paper_claim`)."""

    payer_lines: tuple[str, ...]
    program_column: int
    insured_id: str
    patient: Person
    insured: Person
    relationship: str
    other_insured: Person | None
    other_policy: str
    other_plan: str
    group_number: str
    plan_name: str
    illness_date: date
    referring_name: str
    referring_npi: str
    diagnoses: tuple[str, ...]
    resubmission_code: str
    original_reference: str
    prior_authorization: str
    lines: tuple[ServiceLine, ...]
    tax_id: str
    account_number: str
    signer: str
    facility: tuple[str, ...]
    facility_npi: str
    billing: tuple[str, ...]
    billing_phone: str
    billing_npi: str
    is_secondary: bool
    release_signed: bool = True
    assignment_signed: bool = True
    accept_assignment: bool = True


def _name(last: str, first: str, middle: str = "") -> str:
    text = f"{last}, {first}".strip(", ")
    return f"{text}, {middle[:1]}" if middle else text


def _city_line(city: str, state: str, postal_code: str) -> str:
    return " ".join(p for p in (f"{city}," if city else "", state, postal_code) if p)


def _person(person: x12.Person, phone: str = "") -> Person:
    address = person.address
    return Person(
        name=_name(person.last_name, person.first_name, person.middle_name),
        birth_date=person.birth_date,
        sex=person.sex if person.sex in ("M", "F") else "",
        street=" ".join(p for p in (address.line1, address.line2) if p) if address else "",
        city=address.city if address else "",
        state=address.state if address else "",
        postal_code=address.postal_code if address else "",
        phone=phone,
    )


def _program_column(filing_indicator: str) -> int:
    if filing_indicator in PROGRAM_COLUMN:
        return PROGRAM_COLUMN[filing_indicator]
    return PROGRAM_GROUP if filing_indicator in GROUP_HEALTH_PLANS else PROGRAM_OTHER


def paper_claim(claim: Claim) -> PaperClaim:
    """The claim as the form shows it: the 837P's data, plus what only the paper form prints."""
    from medoffice.submission.mapping import claim_837p, claims_for_mapping

    loaded = claims_for_mapping([claim.pk])[0]
    data = claim_837p(loaded)
    patient = loaded.patient
    location, practice = loaded.location, loaded.location.practice
    phone = patient.phone_home or patient.phone_mobile or patient.phone_work
    patient_person = _person(data.patient or data.subscriber.person, phone)
    insured = patient_person if data.patient is None else _person(data.subscriber.person)
    payer = data.payer
    payer_lines = [payer.name]
    if payer.address:
        payer_lines += [payer.address.line1, _city_line(
            payer.address.city, payer.address.state, payer.address.postal_code)]  # fmt: skip
    other = data.other_payers[0] if data.other_payers else None
    referral = loaded.referral
    letters = "ABCDEFGHIJKL"
    lines = tuple(
        ServiceLine(
            service_date=line.service_date,
            place_of_service=line.place_of_service or data.place_of_service,
            procedure_code=line.procedure_code,
            modifiers=line.modifiers[:4],
            pointers="".join(letters[p - 1] for p in line.diagnosis_pointers[:4] if 0 < p <= 12),
            charge=line.charge,
            units=int(line.units),
            rendering_npi=data.rendering_provider.npi if data.rendering_provider else "",
            paid_before=sum((a.paid for a in line.adjudications), Decimal("0.00")),
        )
        for line in data.lines
    )
    rendering = data.rendering_provider
    site_address = data.billing_provider.address
    site_lines = (
        [site_address.line1, _city_line(site_address.city, site_address.state,
                                        site_address.postal_code)] if site_address else []
    )  # fmt: skip
    return PaperClaim(
        payer_lines=tuple(p for p in payer_lines if p),
        program_column=_program_column(data.subscriber.filing_indicator),
        insured_id=data.subscriber.member_id,
        patient=patient_person,
        insured=insured,
        relationship=data.patient_relationship if data.patient else "18",
        other_insured=_person(other.subscriber.person) if other else None,
        other_policy=other.subscriber.member_id if other else "",
        other_plan=other.payer.name if other else "",
        group_number=data.subscriber.group_number,
        plan_name=loaded.coverage.plan_name or payer.name,
        illness_date=timezone.localtime(loaded.encounter.start).date(),
        referring_name=referral.outside_provider_name if referral else "",
        referring_npi=referral.outside_provider_npi if referral else "",
        diagnoses=tuple(code.replace(".", "") for code in data.diagnoses[:12]),
        resubmission_code=data.frequency_code if data.frequency_code in ("7", "8") else "",
        original_reference=data.original_claim_number if data.frequency_code != "1" else "",
        prior_authorization=data.prior_authorization,
        lines=lines,
        tax_id=data.billing_provider.tax_id,
        account_number=data.patient_control_number,
        signer=_name(rendering.last_name, rendering.first_name) if rendering else "",
        facility=tuple(p for p in [location.name, *site_lines] if p),
        facility_npi=location.npi,
        billing=tuple(p for p in [data.billing_provider.last_name, *site_lines] if p),
        billing_phone=location.phone or practice.phone,
        billing_npi=data.billing_provider.npi,
        is_secondary=bool(data.other_payers),
        release_signed=data.release_of_information == "Y",
        assignment_signed=data.benefits_assigned,
        accept_assignment=data.assignment_accepted,
    )


@dataclass(frozen=True)
class Placed:
    """One string drawn on the PDF: page (1-based), baseline point, text, font size."""

    page: int
    x: float
    y: float
    text: str
    size: float


class RecordingCanvas(Canvas):
    """A canvas that keeps each string it draws with its page and position, so tests (and
    anyone aligning a printer) can see where every value landed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placed: list[Placed] = []

    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        self.placed.append(Placed(self.getPageNumber(), x, y, text, self._fontsize))
        super().drawString(x, y, text, *args, **kwargs)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _money(amount: Decimal, width: int) -> str:
    """Dollars right-aligned and cents after a space: the form's $ | cents cells."""
    return f"{amount:{width}.2f}".replace(".", " ")


class _Form:
    def __init__(self, canvas: RecordingCanvas) -> None:
        self.canvas = canvas

    def put(self, line: int, column: int, width: int, text: Any) -> None:
        text = str(text or "").upper()[:width]
        if text.strip():
            self.canvas.setFont("Courier", 10)
            self.canvas.setFillColor(colors.black)
            self.canvas.drawString(*position(line, column), text)

    def mark(self, line: int, column: int) -> None:
        self.put(line, column, 1, "X")

    def date8(self, line: int, column: int, day: date | None) -> None:
        """MM DD YYYY in the form's three cells (items 3, 11a, 14)."""
        if day:
            self.put(line, column, 10, f"{day:%m} {day:%d} {day:%Y}")

    def date6(self, line: int, column: int, day: date) -> None:
        """MM DD YY (item 24A)."""
        self.put(line, column, 8, f"{day:%m} {day:%d} {day:%y}")

    def phone(self, line: int, column: int, phone: str) -> None:
        digits = _digits(phone)[-10:]
        if len(digits) == 10:
            self.put(line, column, 3, digits[:3])
            self.put(line, column + 4, 8, f"{digits[3:6]}-{digits[6:]}")


def _draw_background(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeColor(FORM_RED)
    canvas.setFillColor(FORM_RED)
    canvas.setLineWidth(0.5)
    canvas.setFont("Helvetica", 5)
    canvas.drawString(LEFT, PAGE_HEIGHT - TOP - 5 * LINE, "HEALTH INSURANCE CLAIM FORM")
    canvas.drawString(
        LEFT, PAGE_HEIGHT - TOP - 5 * LINE - 6, "NUCC 1500 (02/12) - plain paper copy"
    )
    for box in BOXES.values():
        left = LEFT + (box.col_from - 1) * COLUMN - 1.5
        top = PAGE_HEIGHT - TOP - (box.line_from - 1) * LINE
        height = (box.line_to - box.line_from + 1) * LINE
        width = (box.col_to - box.col_from + 1) * COLUMN + 1.5
        canvas.rect(left, top - height, width, height, stroke=1, fill=0)
        if box.label:
            canvas.drawString(left + 1.5, top - 5, box.label)
    for number in range(LINES_PER_PAGE):
        shaded = 43 + 2 * number
        top = PAGE_HEIGHT - TOP - (shaded - 1) * LINE
        canvas.setFillColor(colors.Color(0.78, 0.06, 0.18, alpha=0.08))
        canvas.rect(LEFT - 1.5, top - LINE, 79 * COLUMN + 1.5, LINE, stroke=0, fill=1)
        canvas.setFillColor(FORM_RED)
        canvas.drawString(LEFT - 12, top - LINE - 8, str(number + 1))
        canvas.line(LEFT - 1.5, top - 2 * LINE, LEFT + 79 * COLUMN, top - 2 * LINE)
    bottom = PAGE_HEIGHT - TOP - 54 * LINE
    for first, _last in LINE_COLUMNS[1:]:
        x = LEFT + (first - 1) * COLUMN - 1.5
        canvas.line(x, PAGE_HEIGHT - TOP - 41 * LINE, x, bottom)
    canvas.setFont("Helvetica", 4.2)
    for line, column, caption in CHECKBOXES:
        x, y = position(line, column)
        canvas.rect(x - 1, y - 2, COLUMN + 1, 9, stroke=1, fill=0)
        if caption == "SSN":  # two columns from EIN: the caption goes on the left
            canvas.drawString(x - 2 - canvas.stringWidth(caption, "Helvetica", 4.2), y, caption)
        else:
            canvas.drawString(x + COLUMN + 1.5, y, caption)
    canvas.setFont("Helvetica", 5)
    for index, slot in enumerate("ABCDEFGHIJKL"):  # item 21's code slots
        x, y = position(38 + index // 4, 3 + 13 * (index % 4))
        canvas.drawString(x - 7, y, f"{slot}.")
    canvas.restoreState()


def _draw_claim(form: _Form, paper: PaperClaim, lines: Sequence[ServiceLine]) -> None:
    for offset, text in enumerate(paper.payer_lines[:4]):
        form.put(2 + offset, 41, 31, text)
    form.mark(8, paper.program_column)
    form.put(8, 50, 29, paper.insured_id)
    form.put(10, 1, 28, paper.patient.name)
    form.date8(10, 31, paper.patient.birth_date)
    if paper.patient.sex:
        form.mark(10, 42 if paper.patient.sex == "M" else 47)
    form.put(10, 50, 29, paper.insured.name)
    for column, person in ((1, paper.patient), (50, paper.insured)):
        form.put(12, column, 28, person.street)
        form.put(14, column, 24, person.city)
        form.put(14, column + 25 - (1 if column == 50 else 0), 2, person.state)
        form.put(16, column, 10, person.postal_code)
        form.phone(16, column + 14 + (1 if column == 50 else 0), person.phone)
    form.mark(12, RELATIONSHIP_COLUMN.get(paper.relationship, RELATIONSHIP_OTHER))
    if paper.other_insured:
        form.put(18, 1, 28, paper.other_insured.name)
        form.put(20, 1, 28, paper.other_policy)
        form.put(26, 1, 28, paper.other_plan)
    for line in (20, 22, 24):  # 10a-c: not related to employment or an accident
        form.mark(line, 41)
    form.put(18, 50, 29, paper.group_number)
    form.date8(20, 53, paper.insured.birth_date)
    if paper.insured.sex:
        form.mark(20, 68 if paper.insured.sex == "M" else 75)
    form.put(24, 50, 29, paper.plan_name)
    form.mark(26, 52 if paper.other_insured else 57)
    if paper.release_signed:
        form.put(29, 7, 17, "SIGNATURE ON FILE")
    if paper.assignment_signed:
        form.put(29, 55, 17, "SIGNATURE ON FILE")
    form.date8(32, 2, paper.illness_date)
    form.put(32, 16, 3, "431")
    if paper.referring_name:
        form.put(34, 1, 2, "DN")
        form.put(34, 4, 25, paper.referring_name)
        form.put(34, 33, 15, paper.referring_npi)
    form.put(37, 42, 1, "0")  # ICD-10
    for index, code in enumerate(paper.diagnoses):
        form.put(38 + index // 4, 3 + 13 * (index % 4), 8, code)
    form.put(38, 50, 11, paper.resubmission_code)
    form.put(38, 62, 18, paper.original_reference)
    form.put(40, 50, 29, paper.prior_authorization)
    for number, line in enumerate(lines):
        row = 44 + 2 * number  # the unshaded half; the shaded supplemental half stays empty
        form.date6(row, 1, line.service_date)
        form.date6(row, 10, line.service_date)
        form.put(row, 19, 2, line.place_of_service)
        form.put(row, 25, 6, line.procedure_code)
        for slot, modifier in enumerate(line.modifiers):
            form.put(row, 33 + 3 * slot, 2, modifier)
        form.put(row, 45, 4, line.pointers)
        form.put(row, 50, 8, _money(line.charge, 8))
        form.put(row, 59, 3, f"{line.units:>3}")
        form.put(row, 68, 10, line.rendering_npi)
    form.put(56, 1, 15, paper.tax_id)
    form.mark(56, 19)  # EIN
    form.put(56, 23, 14, paper.account_number)
    form.mark(56, 38 if paper.accept_assignment else 43)
    form.put(56, 52, 8, _money(sum((ln.charge for ln in lines), Decimal("0.00")), 8))
    if paper.is_secondary:
        paid = sum((ln.paid_before for ln in lines), Decimal("0.00"))
        form.put(56, 62, 8, _money(paid, 8))
    form.phone(57, 66, paper.billing_phone)
    for offset in range(3):
        if offset < len(paper.facility):
            form.put(58 + offset, 23, 26, paper.facility[offset])
        if offset < len(paper.billing):
            form.put(58 + offset, 50, 29, paper.billing[offset])
    form.put(60, 1, 21, paper.signer)


def page_lines(paper: PaperClaim) -> list[tuple[ServiceLine, ...]]:
    """Item 24 holds six lines: a longer claim continues on further pages."""
    lines = paper.lines
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [()]


def cms1500_render(
    paper: PaperClaim, *, background: bool = False, signed_on: date | None = None
) -> tuple[bytes, list[Placed]]:
    """The PDF and every string drawn on it (page, position, text)."""
    buffer = io.BytesIO()
    canvas = RecordingCanvas(buffer, pagesize=letter, pageCompression=1)
    canvas.setTitle(f"CMS-1500 {paper.account_number}")
    canvas.setAuthor("MedOffice")
    signed_on = signed_on or timezone.localdate()
    form = _Form(canvas)
    pages = page_lines(paper)
    for number, lines in enumerate(pages, start=1):
        if background:
            _draw_background(canvas)
            if len(pages) > 1:
                canvas.setFont("Helvetica", 6)
                canvas.setFillColor(FORM_RED)
                canvas.drawString(LEFT, 20, f"Page {number} of {len(pages)}")
        _draw_claim(form, paper, lines)
        form.put(61, 6, 10, f"{signed_on:%m/%d/%y}")
        form.put(61, 23, 10, paper.facility_npi)
        form.put(61, 50, 10, paper.billing_npi)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), canvas.placed


def cms1500_pdf(claim: Claim, *, background: bool = True, signed_on: date | None = None) -> bytes:
    pdf, _placed = cms1500_render(paper_claim(claim), background=background, signed_on=signed_on)
    return pdf
