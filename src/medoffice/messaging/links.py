"""Signed, expiring links for patients (no sign-in): confirm or cancel, answer an offer, stop.

The URL carries `nonce:timestamp:signature` (django.core.signing, salted per purpose). The
nonce is random, so the link names no patient or appointment and cannot be guessed; the
PatientLink row it points at says what it opens and until when. A changed character fails
the signature, a link of another purpose fails its salt, and an old one fails its age.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from medoffice.messaging import conf
from medoffice.messaging.models import LinkPurpose, PatientLink

# The signature's own age limit (each link's exact expiry is on its row). Reminders go out
# at most 30 days ahead, opt-out links stay valid for a year.
MAX_AGE = {
    LinkPurpose.APPOINTMENT: timedelta(days=45),
    LinkPurpose.OFFER: timedelta(days=2),
    LinkPurpose.OPT_OUT: timedelta(days=400),
}
URL_NAMES = {
    LinkPurpose.APPOINTMENT: "messaging:appointment_link",
    LinkPurpose.OFFER: "messaging:offer_link",
    LinkPurpose.OPT_OUT: "messaging:opt_out_link",
}


class LinkError(Exception):
    """A link that cannot be used; `message` is for the patient, `status` for the response."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"medoffice.messaging.link.{purpose}")


def link_create(
    *,
    purpose: LinkPurpose,
    patient_id: int,
    expires_at: datetime,
    appointment_id: int | None = None,
    channel: str = "",
) -> tuple[PatientLink, str]:
    """A new link row and its signed token."""
    link = PatientLink.objects.create(
        nonce=secrets.token_urlsafe(16),
        purpose=purpose,
        patient_id=patient_id,
        appointment_id=appointment_id,
        channel=channel,
        expires_at=expires_at,
    )
    return link, token_for(link)


def token_for(link: PatientLink) -> str:
    return _signer(link.purpose).sign(link.nonce)


def url_for_token(purpose: str, token: str) -> str:
    return conf.public_url(reverse(URL_NAMES[LinkPurpose(purpose)], args=[token]))


def appointment_link(*, appointment_id: int, patient_id: int, expires_at: datetime) -> str:
    """The confirm-or-cancel link of an appointment: one per appointment, reused by its
    reminders, valid until the visit starts."""
    link = PatientLink.objects.filter(
        appointment_id=appointment_id, purpose=LinkPurpose.APPOINTMENT
    ).first()
    if link is None:
        link, _ = link_create(
            purpose=LinkPurpose.APPOINTMENT,
            patient_id=patient_id,
            appointment_id=appointment_id,
            expires_at=expires_at,
        )
    return url_for_token(link.purpose, token_for(link))


def opt_out_link(*, patient_id: int, channel: str) -> str:
    now = timezone.now()
    link = (
        PatientLink.objects.filter(
            patient_id=patient_id, purpose=LinkPurpose.OPT_OUT, channel=channel
        )
        .filter(Q(expires_at__gt=now + timedelta(days=30)))
        .first()
    )
    if link is None:
        link, _ = link_create(
            purpose=LinkPurpose.OPT_OUT,
            patient_id=patient_id,
            channel=channel,
            expires_at=now + timedelta(days=365),
        )
    return url_for_token(link.purpose, token_for(link))


def link_open(token: str, purpose: LinkPurpose) -> PatientLink:
    """The link's row, or LinkError with a message the patient can act on."""
    try:
        nonce = _signer(purpose).unsign(token, max_age=MAX_AGE[purpose])
    except signing.SignatureExpired:
        raise LinkError("This link has expired. Please call the office.", status=410) from None
    except signing.BadSignature:
        raise LinkError(
            "This link is not valid. Check that it was copied whole, or call the office.",
            status=400,
        ) from None
    link = PatientLink.objects.filter(nonce=nonce, purpose=purpose).first()
    if link is None:
        raise LinkError("This link is no longer valid. Please call the office.", status=410)
    if link.expires_at <= timezone.now():
        raise LinkError("This link has expired. Please call the office.", status=410)
    return link


def link_mark_used(link: PatientLink) -> None:
    PatientLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
