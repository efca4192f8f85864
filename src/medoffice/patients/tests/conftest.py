"""Fixtures for the registry tests: a throwaway media folder, patients, payers, real files."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medoffice.patients.models import Patient, Payer
from medoffice.patients.services import patient_register
from medoffice.testing.personas import persona


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every test stores uploads in its own empty folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def desk(db):
    return persona("frontdesk")


def make_patient(actor=None, **fields) -> Patient:
    data = {
        "family_name": "Rivera",
        "given_name": "Lucia",
        "birth_date": date(1984, 6, 12),
        "sex_at_birth": "F",
        "phone_mobile": "518-555-0101",
        **fields,
    }
    return patient_register(actor=actor or persona("frontdesk"), data=data)


@pytest.fixture
def patient(desk) -> Patient:
    return make_patient(desk, ssn="123-45-6789")


@pytest.fixture
def payer(db) -> Payer:
    return Payer.objects.create(name="Empire Health", payer_id="EMP01", timely_filing_days=120)


def image_bytes(fmt: str, size: tuple[int, int] = (40, 24)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(text: str = "Signed consent") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
