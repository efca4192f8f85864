"""The submission page: ready claims per payer, "Create batch", the batches with their status,
sending and downloading them, and polling the clearinghouse for acknowledgements. The billing
office only (see access.py): a batch holds many patients' claims."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medoffice.core.access import can
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Payer
from medoffice.submission import selectors, services
from medoffice.submission.access import billing_office

B = Capability.BILLING


@billing_office(Need.VIEW)
def index(request: AuthedRequest) -> HttpResponse:
    context = {
        "ready": selectors.ready_by_payer(),
        "batches": selectors.batches_recent(),
        "acks": selectors.acks_recent(),
        "may_create": can(request.user, B, Need.EDIT),
    }
    return render(request, "submission/index.html", context)


@billing_office(Need.EDIT)
@require_POST
def batch_create(request: AuthedRequest) -> HttpResponse:
    payer = None
    if request.POST.get("payer", "").isdigit():
        payer = Payer.objects.filter(pk=int(request.POST["payer"])).first()
    try:
        batches = services.batches_create_for_ready_claims(actor=request.user, payer=payer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("submission:index")
    if not batches:
        messages.info(request, "No claims were ready to submit.")
    for batch in batches:
        messages.success(
            request,
            f"{batch.file_name}: {batch.claim_count} claims to {batch.receiver_name}, "
            f"total {batch.total_billed}.",
        )
    return redirect("submission:index")


@billing_office(Need.EDIT)
@require_POST
def batch_send(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(batch_id)
    try:
        services.batch_mark_sent(batch=batch, actor=request.user)
    except (ValidationError, OSError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"Not sent: {text}")
    else:
        messages.success(request, f"{batch.file_name} sent to the clearinghouse.")
    return redirect("submission:index")


@billing_office(Need.VIEW)
def batch_download(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(batch_id)
    services.batch_download_record(batch=batch, actor=request.user)
    response = HttpResponse(batch.content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    return response


@billing_office(Need.EDIT)
@require_POST
def poll(request: AuthedRequest) -> HttpResponse:
    from medoffice.core.jobs import enqueue
    from medoffice.submission.tasks import poll_clearinghouse

    run = enqueue(poll_clearinghouse, actor=request.user, idempotency_key="clearinghouse-poll")
    messages.success(request, "Fetching acknowledgements from the clearinghouse.")
    return redirect("core:job_detail", run.pk)
