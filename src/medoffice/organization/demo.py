"""Demo practice, locations and departments."""

from __future__ import annotations

from medoffice.core.demo import DemoContext, DemoStep
from medoffice.organization.models import Department, Location, Practice

LOCATIONS = [
    (
        "Riverside Family Medicine",
        "MAIN",
        "120 Riverside Dr",
        "Albany",
        "NY",
        "12207",
        "America/New_York",
    ),
    ("Hillcrest Clinic", "HILL", "45 Hillcrest Ave", "Troy", "NY", "12180", "America/New_York"),
    (
        "Lakeview Specialty Center",
        "LAKE",
        "9 Lakeview Rd",
        "Saratoga Springs",
        "NY",
        "12866",
        "America/New_York",
    ),
]
DEPARTMENTS = [
    ("Family Medicine", "FM"),
    ("Internal Medicine", "IM"),
    ("Pediatrics", "PEDS"),
    ("Cardiology", "CARD"),
    ("Dermatology", "DERM"),
]


def create_practice(ctx: DemoContext) -> str:
    practice = Practice.objects.create(
        name="Riverside Medical Group",
        legal_name="Riverside Medical Group, PLLC",
        tax_id="141234567",
        group_npi="1234567893",
        phone="518-555-0100",
        time_zone="America/New_York",
    )
    locations = [
        Location.objects.create(
            practice=practice,
            name=name,
            code=code,
            address_line1=street,
            city=city,
            state=state,
            postal_code=zip_code,
            phone=f"518-555-01{i:02d}",
            time_zone=tz,
        )
        for i, (name, code, street, city, state, zip_code, tz) in enumerate(
            LOCATIONS[: ctx.size.locations], start=1
        )
    ]
    departments = []
    for name, code in DEPARTMENTS[: 3 if ctx.size.name == "small" else len(DEPARTMENTS)]:
        dept = Department.objects.create(practice=practice, name=name, code=code)
        dept.locations.set(locations if code in {"FM", "IM"} else locations[-1:])
        departments.append(dept)
    ctx.shared.update(practice=practice, locations=locations, departments=departments)
    return f"practice with {len(locations)} locations and {len(departments)} departments"


STEPS = [DemoStep("practice", 10, create_practice)]
