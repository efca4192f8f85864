"""Gap-tolerant, collision-free counters backed by the database.

`reserve("mrn", 500)` returns the next 500 numbers. The counter moves with one conditional
UPDATE (F() expression), so concurrent callers on SQLite and PostgreSQL never get the same
number; a rolled-back transaction returns its numbers with it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from medoffice.core.models import Sequence


def reserve(name: str, count: int = 1, *, start: int = 0) -> range:
    """The next `count` values of the named sequence (the first ever is start + 1)."""
    if count < 1:
        raise ValueError("count must be positive")
    with transaction.atomic():
        if not Sequence.objects.filter(name=name).update(value=F("value") + count):
            try:
                with transaction.atomic():
                    Sequence.objects.create(name=name, value=start + count)
            except IntegrityError:
                Sequence.objects.filter(name=name).update(value=F("value") + count)
        last = Sequence.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


def next_value(name: str, *, start: int = 0) -> int:
    return reserve(name, 1, start=start)[0]


def luhn_check_digit(number: str) -> str:
    """The Luhn (mod 10) check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]
