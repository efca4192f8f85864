"""What an audit entry's hash covers and how it is computed.

Kept apart from chain.py (how entries are appended): only this decides the stored hashes,
so the benchmark dataset's cache is keyed on this file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

# The fields a hash covers, in order. Changing this list invalidates every existing chain.
HASHED_FIELDS = (
    "seq",
    "prev_hash",
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "patient_id",
    "patient_ref",
    "ip",
    "request_id",
    "source",
    "reason",
    "emergency",
    "details",
)


def normalize_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def normalize_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """JSON-safe and stable through both databases' JSON columns (no floats, no NULs)."""
    text = json.dumps(details or {}, default=str, sort_keys=True).replace("\\u0000", "")
    return json.loads(text, parse_float=str)


def entry_digest(fields: Mapping[str, Any]) -> str:
    values = []
    for name in HASHED_FIELDS:
        value = fields[name]
        if name == "occurred_at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values.append(value)
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
