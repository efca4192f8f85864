"""Jobs used by the job-interface tests."""

from __future__ import annotations

from medoffice.audit.services import audit_record
from medoffice.core.jobs import JobContext, job

CALLS: list[str] = []


@job("Count to three")
def count_to_three(ctx: JobContext, note: str) -> str:
    for i in range(1, 4):
        ctx.progress(i, 3, force=True)
    CALLS.append(note)
    audit_record(action="job", object_type="test", details={"note": note})
    return f"counted for {note}"


@job("Always fails")
def always_fails(ctx: JobContext) -> None:
    raise RuntimeError("the printer is on fire")
