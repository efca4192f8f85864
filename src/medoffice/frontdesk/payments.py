"""Card payments go through a gateway: the card terminal or processor the practice contracts
with. MedOffice never sees a card number; it sends an amount and gets back an approval with an
authorization id and the card's last four digits.

Choose the gateway with the setting PAYMENT_GATEWAY (environment MEDOFFICE_PAYMENT_GATEWAY), a
dotted path to a class with a no-argument constructor. The default, FakeGateway, approves every
charge: it is for demos and tests, and the receipt names it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class CardCharge:
    approved: bool
    authorization_id: str = ""
    card_last4: str = ""
    message: str = ""


class GatewayError(Exception):
    """The gateway could not be reached or answered something unusable (nothing was charged)."""


class Gateway(Protocol):
    name: str

    def charge(
        self, *, amount: Decimal, card_last4: str, description: str, idempotency_key: str
    ) -> CardCharge:
        """Charge the card now presented; `card_last4` is what the desk read off the card (a
        terminal reports its own). The same idempotency key never charges twice."""
        ...

    def void(self, *, authorization_id: str) -> bool:
        """Cancel an authorization; True when the gateway confirms it."""
        ...


class FakeGateway:
    """Approves everything and remembers nothing: for demos and tests only."""

    name = "test gateway"

    def charge(
        self, *, amount: Decimal, card_last4: str, description: str, idempotency_key: str
    ) -> CardCharge:
        if amount <= 0:
            return CardCharge(approved=False, message="The amount must be positive.")
        return CardCharge(
            approved=True,
            authorization_id="TEST-" + secrets.token_hex(4).upper(),
            card_last4=card_last4,
            message="Approved",
        )

    def void(self, *, authorization_id: str) -> bool:
        return True


def gateway() -> Gateway:
    cls = import_string(settings.PAYMENT_GATEWAY)
    return cls()
