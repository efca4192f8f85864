"""Validation of X12 text with pyx12 (its maps of the HIPAA implementation guides).

pyx12 is a test dependency; the product may call `validate_with_pyx12` when it is installed
(for example before sending a batch). It runs in-process the same check as pyx12's `x12valid`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from typing import Any

from medoffice.interop.x12.segments import X12Error, tokenize


class X12ValidatorUnavailable(LookupError):
    """pyx12 is not installed, or has no map for this implementation guide."""


def _available_implementations() -> set[str]:
    import importlib.resources

    import defusedxml.ElementTree as ElementTree

    index = importlib.resources.files("pyx12") / "map" / "maps.xml"
    maps_dir = importlib.resources.files("pyx12") / "map"
    return {
        node.get("vriic", "")
        for node in ElementTree.fromstring(index.read_text()).iter("map")
        if (maps_dir / (node.text or "")).is_file()
    }


def validate_with_pyx12(text: str) -> list[str]:
    """Every error pyx12 finds in the interchange(s), as readable lines; [] when valid."""
    try:
        import pyx12.params
        import pyx12.x12n_document
    except ImportError as error:
        raise X12ValidatorUnavailable("pyx12 is not installed") from error
    implementations = {
        segment.get(8) for segment in tokenize(text) if segment.id == "GS" and segment.get(8)
    }
    missing = sorted(implementations - _available_implementations())
    if missing:
        raise X12ValidatorUnavailable(f"pyx12 has no map for {', '.join(missing)}")
    report = io.StringIO()
    engine_log = logging.getLogger("pyx12")
    previous_level = engine_log.level
    engine_log.setLevel(logging.CRITICAL)  # its findings come back in the report instead
    try:
        # pyx12 prints blank lines on stdout at each ISA; keep them out of our output.
        with contextlib.redirect_stdout(io.StringIO()):
            valid = pyx12.x12n_document.x12n_document(
                param=pyx12.params.params(),
                src_file=io.StringIO(text),
                fd_997=None,
                fd_html=None,
                fd_json=report,
            )
    except Exception as error:  # pyx12 raises its own EngineError/X12Error on broken input
        return [f"pyx12 could not read the file: {error}"]
    finally:
        engine_log.setLevel(previous_level)
    errors = _errors_from_report(report.getvalue())
    if not valid and not errors:
        errors.append("pyx12 rejected the file without naming an error")
    return errors


def _errors_from_report(report: str) -> list[str]:
    if not report:
        return []
    errors: list[str] = []

    def collect(where: str, items: list[dict[str, Any]]) -> None:
        errors.extend(f"{where}: {item['err_str']}" for item in items)

    for interchange in json.loads(report)["interchanges"]:
        collect(f"ISA (line {interchange['cur_line']})", interchange["errors"])
        for group in interchange["groups"]:
            collect(f"GS (line {group['cur_line']})", group["errors"])
            for transaction in group["transactions"]:
                collect(f"ST {transaction['trn_set_control_num']}", transaction["errors"])
                for segment in transaction["segments"]:
                    where = f"{segment['seg_id']} (line {segment['cur_line']})"
                    collect(where, segment["errors"])
                    for element in segment["elements"]:
                        collect(where, element["errors"])
    return errors


def assert_valid(text: str) -> None:
    """Raise X12Error listing pyx12's findings (for callers that want an exception)."""
    errors = validate_with_pyx12(text)
    if errors:
        raise X12Error("; ".join(errors))
