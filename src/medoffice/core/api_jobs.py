import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from medoffice.core.access import AccessRule, api_rule
from medoffice.core.selectors import jobs_visible_to

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: uuid.UUID
    label: str
    status: str
    progress_done: int
    progress_total: int | None
    message: str
    created_at: datetime
    finished_at: datetime | None


@router.get("/{job_id}", response=JobOut, summary="Status of a job you started")
@api_rule(AccessRule("authenticated"))
def job_status(request: HttpRequest, job_id: uuid.UUID) -> object:
    run = jobs_visible_to(request.user).filter(pk=job_id).first()
    if run is None:
        raise HttpError(404, "No such job")
    return run
