from django.urls import include, path

from medoffice.core.admin_site import admin_site
from medoffice.core.api import api

urlpatterns = [
    path("", include("medoffice.core.urls")),
    path("accounts/", include("medoffice.accounts.urls")),
    path("audit/", include("medoffice.audit.urls")),
    path("patients/", include("medoffice.patients.urls")),
    path("chart/", include("medoffice.chart.urls")),
    path("coding/", include("medoffice.coding.urls")),
    path("schedule/", include("medoffice.scheduling.urls")),
    path("referrals/", include("medoffice.referrals.urls")),
    path("frontdesk/", include("medoffice.frontdesk.urls")),
    path("billing/", include("medoffice.billing.urls")),
    path("fhir/r4/", include("medoffice.interop.fhir.urls")),
    path("interop/", include("medoffice.interop.urls")),
    path("messaging/", include("medoffice.messaging.urls")),
    path("waitlist/", include("medoffice.waitlist.urls")),
    path("claims/", include("medoffice.claims.urls")),
    path("submission/", include("medoffice.submission.urls")),
    path("eligibility/", include("medoffice.eligibility.urls")),
    path("remittance/", include("medoffice.remittance.urls")),
    path("huddle/", include("medoffice.huddle.urls")),
    # Before any "reports/" include, whose KPI pages would take "schedules" for a KPI key.
    path("reports/schedules/", include("medoffice.reports.urls_schedules")),
    path("reports/", include("medoffice.reports.urls")),
    path("quality/", include("medoffice.quality.urls")),
    path("admin/", admin_site.urls),
    path("api/", api.urls),
]

handler403 = "medoffice.core.views.error_403"
handler404 = "medoffice.core.views.error_404"
handler500 = "medoffice.core.views.error_500"
