"""What the front desk records beside the appointment: money taken at the desk, and the room
a visit was actually put in.

A desk payment is written once and never edited: a mistake is voided (with a reason) and taken
again, so the day's receipts always add up to what is in the drawer. The revenue cycle posts
these rows into the patient ledger later; it reads them, it does not change them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Card"


class PaymentKind(models.TextChoices):
    COPAY = "copay", "Copay"
    PRIOR_BALANCE = "prior_balance", "Prior balance"
    PREPAYMENT = "prepayment", "Prepayment"


class DeskPayment(models.Model):
    receipt_number = models.CharField(max_length=20, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="desk_payments"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="desk_payments",
    )
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    method = models.CharField(max_length=5, choices=PaymentMethod.choices)
    kind = models.CharField(max_length=14, choices=PaymentKind.choices)
    # A check's number, or a card's last four digits (never the card number itself).
    reference = models.CharField(max_length=30, blank=True)
    card_authorization = models.CharField(
        max_length=64, blank=True, help_text="The gateway's authorization id (cards)"
    )
    gateway = models.CharField(max_length=40, blank=True, help_text="Which gateway took the card")
    # Set by the page (a hidden field) or the API client: a repeated submission records nothing.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["patient", "received_at"], name="deskpay_patient_idx"),
            models.Index(fields=["location", "received_at"], name="deskpay_location_idx"),
            models.Index(fields=["appointment"], name="deskpay_appointment_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="deskpay_positive"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="deskpay_void_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(method="card") | ~Q(card_authorization=""),
                name="deskpay_card_authorized",
            ),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.receipt_number} ${self.amount} {self.get_method_display()}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def reference_display(self) -> str:
        if self.method == PaymentMethod.CHECK:
            return f"Check no. {self.reference}" if self.reference else "Check"
        if self.method == PaymentMethod.CARD:
            card = f"Card ending {self.reference}" if self.reference else "Card"
            return f"{card}, authorization {self.card_authorization}"
        return ""


class VisitRoom(models.Model):
    """The room a nurse put the visit in. The booking's own room (and the occupancy rows that
    guard it) stay as booked: where a patient ends up is a fact of the day, not a rebooking."""

    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="visit_room"
    )
    room = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="+")
    roomed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    roomed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.room} for appointment {self.appointment_id}"
