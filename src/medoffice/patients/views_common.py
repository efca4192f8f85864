"""Small helpers the registry's views share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, rename: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = rename.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def render_form(
    request: HttpRequest, template: str, context: dict[str, Any], form: forms.BaseForm
) -> HttpResponse:
    """Render a form page; an invalid submission answers 400 with the field errors."""
    return render(request, template, context, status=400 if form.errors else 200)


def to_patient(patient_id: int, section: str = "") -> HttpResponse:
    url = reverse("patients:detail", args=[patient_id])
    return redirect(f"{url}#{section}" if section else url)
