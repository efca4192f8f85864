"""What the chart views share: loading objects of the patient in the URL, errors onto forms."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need


def or_404(loader: Any, *args: Any) -> Any:
    try:
        return loader(*args)
    except ObjectDoesNotExist:
        raise Http404("Not found") from None


def patient_or_404(patient_id: int) -> Any:
    from medoffice.patients.models import Patient

    try:
        return Patient.objects.get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404("No such patient") from None


# Service field names that a form calls differently.
FIELD_ALIASES = {"diagnosis_pointers": "pointers"}


def errors_to_form(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = FIELD_ALIASES.get(field, field)
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages[0] if hasattr(error, "messages") else error)
    else:
        form.add_error(None, exc)


def audit_view(
    request: Any, *, object_type: str, object_id: Any, patient_id: int, **details: Any
) -> None:
    audit_record(
        action="view",
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        details=details or None,
    )


def may(request: Any, capability: Capability, need: Need, patient_id: int) -> bool:
    """Whether to offer a link or button; the target view checks again (and audits refusals).

    Checked quietly: a failed check here is not an access attempt, so it must not be audited."""
    from medoffice.audit.selectors import emergency_access_active
    from medoffice.core.access import effective_roles
    from medoffice.core.permissions import roles_allow, roles_may_break_glass

    roles = effective_roles(request.user)
    if roles_allow(roles, capability, need):
        return True
    return roles_may_break_glass(roles, capability) and emergency_access_active(
        user=request.user, patient_id=patient_id
    )


__all__ = ["audit_view", "errors_to_form", "may", "or_404", "patient_access"]
