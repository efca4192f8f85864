"""Shell pages: home, background jobs, health check, error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from medoffice.core import home as home_panels
from medoffice.core.access import AccessDenied, authenticated, public
from medoffice.core.selectors import jobs_visible_to


@authenticated
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"panels": home_panels.panels_for(request)})


@authenticated
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/job_list.html", {"jobs": jobs_visible_to(request.user)[:100]})


@authenticated
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    run = jobs_visible_to(request.user).filter(pk=job_id).first()
    if run is None:
        raise Http404("No such job")
    template = (
        "core/partials/job_status.html"
        if request.headers.get("HX-Request")
        else "core/job_detail.html"
    )
    return render(request, template, {"job": run})


@public
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; point them at the real icon."""
    return redirect(static("core/favicon.svg"), permanent=True)


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the app answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context: dict[str, Any] = {"message": "You don't have access to this page."}
    if isinstance(exception, AccessDenied):
        context.update(
            message=exception.message,
            may_break_glass=exception.may_break_glass,
            patient_id=exception.patient_id,
        )
    if request.path.startswith(("/api/", "/fhir/")):
        return JsonResponse({"detail": context["message"]}, status=403)
    return render(request, "403.html", context, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
