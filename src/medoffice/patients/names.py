"""Normalized forms of names and phone numbers, stored beside the originals for fast search."""

from __future__ import annotations

import re
import unicodedata

import jellyfish

_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_DIGIT = re.compile(r"\D")


def fold(text: str) -> str:
    """Lowercase ASCII letters only: "O'Brien-Núñez" -> "obriennunez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTER.sub("", ascii_only.lower())


def phonetic(text: str) -> str:
    """A sound-alike key (Metaphone): "Smyth" and "Smith" share one."""
    folded = fold(text)
    return jellyfish.metaphone(folded)[:20] if folded else ""


def phone_digits(text: str) -> str:
    """The last ten digits of a phone number, for matching however it was typed."""
    return _NOT_DIGIT.sub("", text or "")[-10:]


_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def member_id_key(text: str) -> str:
    """A member id as search compares it: "xk9-1234 56" -> "XK9123456"."""
    return _NOT_ALNUM.sub("", (text or "").upper())[:50]
