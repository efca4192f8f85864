"""FHIR in a real browser: a signed-in clinician reads the API with the session, downloads the
patient's record (FHIR Bundle and PDF summary); the front desk is refused the chart export."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from medoffice.interop.tests.builders import make_record
from medoffice.patients.services import patient_register
from medoffice.testing.personas import persona

from .flows import open_sign_in, sign_in

pytestmark = pytest.mark.browser


def test_clinician_reads_fhir_and_downloads_the_record(page, new_page, artifacts_dir):
    persona("clinician")
    patient = patient_register(
        actor=persona("frontdesk"),
        data={
            "family_name": "Okafor",
            "given_name": "Grace",
            "birth_date": date(1970, 3, 4),
            "sex_at_birth": "F",
        },
    )
    make_record(patient)

    open_sign_in(page)
    sign_in(page, "clinician")
    response = page.goto("/fhir/r4/Patient?family=oka")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = json.loads(response.text())
    assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["name"][0]["family"] == "Okafor"

    with page.expect_download() as download_info:
        page.evaluate(f"window.location.href = '/interop/patients/{patient.pk}/record.json'")
    record = json.loads(Path(download_info.value.path()).read_text())
    assert record["type"] == "collection" and len(record["entry"]) > 10

    with page.expect_download() as download_info:
        page.evaluate(f"window.location.href = '/interop/patients/{patient.pk}/record.pdf'")
    pdf = artifacts_dir / "record-summary.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        folder = artifacts_dir / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(folder / "fhir-record-summary"),
            ],
            check=True,
        )

    desk = new_page()
    open_sign_in(desk)
    sign_in(desk, "frontdesk")
    refused = desk.goto(f"/interop/patients/{patient.pk}/record.json")
    assert refused.status == 403
    expect(desk.locator("body")).to_contain_text("have access")
    api = desk.goto("/fhir/r4/Observation")
    assert api.status == 403 and "have access" in api.text()
