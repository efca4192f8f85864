"""Documents: checked by content, stored through Django's storage, every opening audited."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.patients import uploads
from medoffice.patients.models import Document
from medoffice.testing.personas import persona, signed_in_client

from .conftest import image_bytes, pdf_bytes, stored_files, upload


def _post_upload(client, patient, file, **fields):
    data = {
        "file": file,
        "category": "correspondence",
        "title": "Letter from the school nurse",
        "document_date": "2024-05-02",
        "notes": "",
        **fields,
    }
    return client.post(f"/patients/{patient.pk}/documents/new/", data)


@pytest.mark.parametrize(
    ("name", "fmt", "content_type"),
    [
        ("scan.pdf", None, "application/pdf"),
        ("photo.png", "PNG", "image/png"),
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("fax.tif", "TIFF", "image/tiff"),
    ],
)
def test_upload_each_accepted_type(patient, desk, media_root, name, fmt, content_type):
    data = pdf_bytes() if fmt is None else image_bytes(fmt)
    response = _post_upload(signed_in_client(desk), patient, upload(name, data))
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.content_type == content_type
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.original_name == name
    # Stored under a name that says nothing about the patient or the file's own name.
    assert document.file.name.startswith(f"documents/{patient.pk}/")
    assert name.rsplit(".")[0] not in document.file.name
    assert (media_root / document.file.name).read_bytes() == data
    entry = AuditEvent.objects.get(action="create", object_type="document")
    assert entry.patient_id == patient.pk and entry.details["sha256"] == document.sha256


def test_the_type_comes_from_the_content_not_the_name(patient, desk):
    # A PNG called .pdf is stored as the PNG it is.
    response = _post_upload(
        signed_in_client(desk), patient, upload("report.pdf", image_bytes("PNG"), "application/pdf")
    )
    assert response.status_code == 302
    assert Document.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "notes.pdf",
            b"Dear doctor,\nplease see the patient.\n" * 20,
            "named .pdf, but it contains plain text",
        ),
        ("scan.png", image_bytes("PNG", (300, 200))[:400], "PNG image is damaged or incomplete"),
        ("photo.jpg", image_bytes("JPEG", (300, 200))[:300], "JPEG image is damaged or incomplete"),
        ("scan.pdf", pdf_bytes()[:-40], "PDF is incomplete or damaged"),
        ("empty.pdf", b"", "The submitted file is empty"),
        ("tool.exe", b"MZ\x90\x00\x03" + bytes(600), "Upload a PDF, PNG, JPEG or TIFF file"),
    ],
)
def test_corrupt_or_mislabeled_files_are_refused_and_nothing_is_stored(
    patient, desk, media_root, name, data, message
):
    response = _post_upload(signed_in_client(desk), patient, upload(name, data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(object_type="document").exists()


def test_oversize_file_is_refused(patient, desk, media_root, settings):
    settings.MAX_UPLOAD_MB = 1
    big = pdf_bytes()[:-6] + b" " * (1024 * 1024) + b"%%EOF\n"
    response = _post_upload(signed_in_client(desk), patient, upload("big.pdf", big))
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert "the limit is 1 MB" in response.content.decode()
    assert not Document.objects.exists() and stored_files(media_root) == []


def test_same_file_twice_is_refused(patient, desk):
    client = signed_in_client(desk)
    data = pdf_bytes()
    assert _post_upload(client, patient, upload("a.pdf", data)).status_code == 302
    response = _post_upload(client, patient, upload("b.pdf", data), title="Again")
    assert response.status_code == 400
    assert "already in the patient&#x27;s documents" in response.content.decode()
    assert Document.objects.count() == 1


def test_a_failed_save_removes_the_stored_file(patient, desk, media_root, monkeypatch):
    from medoffice.patients import services_documents

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services_documents, "_audit_document", lambda *a: broken())
    with pytest.raises(RuntimeError):
        services_documents.document_upload(
            actor=desk,
            patient=patient,
            upload=upload("a.pdf", pdf_bytes()),
            category="other",
            title="Scan",
            document_date=date(2024, 1, 2),
        )
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_future_date_and_missing_title_are_field_errors(patient, desk):
    response = _post_upload(
        signed_in_client(desk),
        patient,
        upload("a.pdf", pdf_bytes()),
        title="",
        document_date="2999-01-01",
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize("role", ["manager", "biller", "clinician", "nurse", "compliance", "hr"])
def test_only_the_front_desk_uploads(patient, media_root, role):
    response = _post_upload(signed_in_client(persona(role)), patient, upload("a.pdf", pdf_bytes()))
    assert response.status_code == 403
    assert not Document.objects.exists() and stored_files(media_root) == []


def _document(patient, desk, category="correspondence", data=None):
    from medoffice.patients.services_documents import document_upload

    return document_upload(
        actor=desk,
        patient=patient,
        upload=upload("scan.pdf", data or pdf_bytes(category)),
        category=category,
        title=f"A {category} document",
        document_date=date(2024, 3, 1),
    )


def test_open_and_download_are_audited(patient, desk):
    document = _document(patient, desk)
    client = signed_in_client(persona("biller"))
    url = f"/patients/{patient.pk}/documents/{document.pk}/file/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    response = client.get(url + "?download=1")
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="a-correspondence-document.pdf"' in response["Content-Disposition"]
    opened = AuditEvent.objects.filter(
        action="view", object_type="document", actor_username="biller"
    )
    assert [e.details["disposition"] for e in opened.order_by("seq")] == ["inline", "attachment"]
    assert all(e.patient_id == patient.pk for e in opened)


@pytest.mark.parametrize(
    ("role", "status"),
    [("clinician", 200), ("nurse", 200), ("frontdesk", 403), ("biller", 403), ("manager", 403),
     ("compliance", 403), ("hr", 403)],
)  # fmt: skip
def test_clinical_documents_need_chart_access(patient, desk, role, status):
    document = _document(patient, desk, category="lab")
    user = persona(role) if role != "frontdesk" else desk
    response = signed_in_client(user).get(f"/patients/{patient.pk}/documents/{document.pk}/file/")
    assert response.status_code == status
    opened = AuditEvent.objects.filter(action="view", object_type="document").exists()
    assert opened == (status == 200)


def test_clinical_titles_are_hidden_from_roles_without_chart_access(patient, desk):
    _document(patient, desk, category="lab")
    page = signed_in_client(desk).get(f"/patients/{patient.pk}/").content.decode()
    assert "A lab document" not in page and "chart access needed" in page
    page = signed_in_client(persona("clinician")).get(f"/patients/{patient.pk}/").content.decode()
    assert "A lab document" in page


def test_a_document_of_another_patient_is_not_found_under_this_one(patient, desk):
    from .conftest import make_patient

    other = make_patient(desk, family_name="Okafor", given_name="Ben", phone_mobile="")
    document = _document(other, desk)
    response = signed_in_client(desk).get(f"/patients/{patient.pk}/documents/{document.pk}/file/")
    assert response.status_code == 404


def test_files_are_never_served_from_a_media_url(patient, desk):
    document = _document(patient, desk)
    client = signed_in_client(desk)
    for path in (
        f"/media/{document.file.name}",
        f"/{document.file.name}",
        f"/var/media/{document.file.name}",
    ):
        assert client.get(path).status_code == 404


def test_check_upload_without_a_name_or_with_a_wrong_allowed_type():
    with pytest.raises(Exception, match="here only PNG, JPEG or PDF is accepted"):
        uploads.check_upload(upload("x.tif", image_bytes("TIFF")), allowed=uploads.CARD_IMAGE_TYPES)
    assert uploads.sniff(b"MM\x00*rest") == "image/tiff"
    assert uploads.sniff(b"junk" + b"%PDF-1.7") == "application/pdf"
