"""Value lists shown on registration pages that are not model choices."""

from __future__ import annotations

# The languages most often asked for in US practices (ISO 639 codes); other codes are kept
# as they came (e.g. from an import) and shown as the code.
LANGUAGE_CHOICES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("pt", "Portuguese"),
    ("de", "German"),
    ("hi", "Hindi"),
    ("pl", "Polish"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("so", "Somali"),
    ("sgn", "Sign language"),
]
_LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)


def language_label(code: str) -> str:
    return _LANGUAGE_LABELS.get(code, code or "not given")
