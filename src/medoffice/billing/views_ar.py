"""The A/R report: aging by payer and by patient, revenue-cycle figures, CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.billing import aging
from medoffice.billing.forms_accounts import ARFilterForm
from medoffice.core.access import requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import RoleCode

# The practice's receivables are the billing office's and the manager's: clinicians' "own
# records only" revenue reports do not extend to everyone's balances.
AR_ROLES = (RoleCode.BILLER, RoleCode.MANAGER)
TOP_PATIENTS = 25


def _report(request: AuthedRequest) -> tuple[ARFilterForm, aging.AgingFilter, dict[str, Any]]:
    form = ARFilterForm(request.GET or None)
    flt = aging.AgingFilter(**form.values())
    payers = aging.payer_aging(flt)
    payer_total = aging.payer_total(payers)
    scope = aging.AgingFilter(as_of=flt.as_of, location_id=flt.location_id)
    patients, patient_total = aging.patient_aging_report(scope, limit=TOP_PATIENTS)
    report = {
        "payer_total": payer_total,
        "payers": payers,
        "patient_total": patient_total,
        "patients": patients,
        # The figures are for every payer: reuse the payers' total unless one payer is shown.
        "figures": aging.ar_figures(
            flt, payers=None if flt.payer_id else payer_total, patients=patient_total
        ),
    }
    return form, flt, report


@requires_role(*AR_ROLES)
def ar_report(request: AuthedRequest) -> HttpResponse:
    form, flt, report = _report(request)
    audit_patients_shown(
        patient_ids=[r.key for r in report["patients"]], view="billing_ar_report",
        actor=request.user, patient_refs={r.key: r.ref for r in report["patients"] if r.ref},
    )  # fmt: skip
    query = request.GET.urlencode()
    context = {"form": form, "flt": flt, "buckets": aging.BUCKET_LABELS, "query": query, **report}
    return render(request, "billing/ar_report.html", context)


def _csv_row(section: str, row: aging.AgingRow) -> list[str]:
    return [section, row.name, row.ref, *(str(b) for b in row.buckets), str(row.credit),
            str(row.total)]  # fmt: skip


@requires_role(*AR_ROLES)
def ar_export(request: AuthedRequest) -> HttpResponse:
    _, flt, report = _report(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "mrn", *aging.BUCKET_LABELS, "credit", "total"])
    writer.writerow(_csv_row("payers", report["payer_total"]))
    for row in report["payers"]:
        writer.writerow(_csv_row("payer", row))
    writer.writerow(_csv_row("patients", report["patient_total"]))
    for row in report["patients"]:
        writer.writerow(_csv_row("patient", row))
    audit_record(
        action=AuditAction.EXPORT, actor=request.user, object_type="ar_report",
        object_id=flt.as_of.isoformat(),
        details={"location_id": flt.location_id, "payer_id": flt.payer_id,
                 "patients": [r.key for r in report["patients"]]},
    )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ar-aging-{flt.as_of}.csv"'
    return response
