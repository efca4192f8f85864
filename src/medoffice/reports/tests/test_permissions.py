"""Who may see which KPI, the filters narrowed for clinicians, and who sets targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.reports import selectors, services
from medoffice.reports.kpi import ReportFilters
from medoffice.reports.models import KpiTarget
from medoffice.reports.permissions import REPORT_ROLES, can_view_kpi, scoped_filters
from medoffice.reports.tests.kpi_fixtures import (
    ACCESS_KPI,
    PRACTICE_KPI,
    REVENUE_KPI,
    cast_fixture,  # noqa: F401
    fake_kpis_fixture,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("fake_kpis")
Q1 = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 31))


def test_the_roles_with_reports():
    assert {str(r) for r in REPORT_ROLES} == {
        "manager",
        "frontdesk",
        "biller",
        "clinician",
        "compliance",
    }


@pytest.mark.parametrize(
    ("role", "access", "revenue", "practice"),
    [
        ("manager", True, True, True),
        ("compliance", True, False, True),
        ("frontdesk", True, False, True),
        ("biller", False, True, False),
        ("clinician", True, True, False),
        ("nurse", False, False, False),
        ("hr", False, False, False),
        ("purchasing", False, False, False),
        ("admin", False, False, False),
    ],
)
def test_can_view_kpi(cast, role, access, revenue, practice):
    user = cast.users[role]
    assert can_view_kpi(user, ACCESS_KPI) is access
    assert can_view_kpi(user, REVENUE_KPI) is revenue
    assert can_view_kpi(user, PRACTICE_KPI) is practice
    expected = [
        k
        for k, ok in ((ACCESS_KPI, access), (PRACTICE_KPI, practice), (REVENUE_KPI, revenue))
        if ok
    ]
    assert [k for k in selectors.kpis_visible_to(user) if k.key.startswith("test_")] == expected


def test_scoped_filters_force_the_clinicians_provider(cast):
    clinician = cast.users["clinician"]
    assert scoped_filters(clinician, ACCESS_KPI, Q1).provider_id == cast.own_provider.pk
    own = ReportFilters(start=Q1.start, end=Q1.end, provider_id=cast.own_provider.pk)
    assert scoped_filters(clinician, ACCESS_KPI, own).provider_id == cast.own_provider.pk
    other = ReportFilters(start=Q1.start, end=Q1.end, provider_id=cast.other_provider.pk)
    with pytest.raises(PermissionDenied):
        scoped_filters(clinician, ACCESS_KPI, other)
    assert AuditEvent.objects.filter(action="permission_denied", object_id=ACCESS_KPI.key).exists()
    with pytest.raises(PermissionDenied):
        scoped_filters(clinician, PRACTICE_KPI, Q1)


def test_scoped_filters_leave_the_office_free_and_drop_undeclared_filters(cast):
    asked = ReportFilters(start=Q1.start, end=Q1.end, provider_id=cast.other_provider.pk,
                          payer_id=7, department_id=3, location_id=cast.north.pk)  # fmt: skip
    scoped = scoped_filters(cast.users["manager"], ACCESS_KPI, asked)
    assert (scoped.provider_id, scoped.location_id) == (cast.other_provider.pk, cast.north.pk)
    assert scoped.payer_id is None and scoped.department_id is None
    with pytest.raises(PermissionDenied):
        scoped_filters(cast.users["biller"], ACCESS_KPI, Q1)


def test_effective_target(cast):
    assert selectors.effective_target(ACCESS_KPI) == ACCESS_KPI.target
    assert selectors.effective_target(PRACTICE_KPI) is None
    services.kpi_target_set(kpi_key=ACCESS_KPI.key, value="12", actor=cast.users["manager"])
    target = selectors.effective_target(ACCESS_KPI)
    assert (target.value, target.better, target.label) == (
        Decimal("12.00"),
        "higher",
        "≥ 12 (practice)",
    )
    services.kpi_target_set(kpi_key=REVENUE_KPI.key, value="750.5", actor=cast.users["manager"])
    assert selectors.effective_target(REVENUE_KPI).label == "≥ $750.50 (practice)"


@pytest.mark.parametrize("role", ["compliance", "frontdesk", "biller", "clinician", "admin"])
def test_only_the_manager_sets_targets(cast, role):
    with pytest.raises(PermissionDenied):
        services.kpi_target_set(kpi_key=ACCESS_KPI.key, value="3", actor=cast.users[role])
    with pytest.raises(PermissionDenied):
        services.kpi_target_clear(kpi_key=ACCESS_KPI.key, actor=cast.users[role])
    assert not KpiTarget.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [(ACCESS_KPI.key, "-1", "value"), (ACCESS_KPI.key, "ten", "value"), ("nope", "1", "kpi_key"),
     (PRACTICE_KPI.key, "1", "kpi_key"), (ACCESS_KPI.key, "NaN", "value")],
)  # fmt: skip
def test_bad_targets_are_refused(cast, key, value, field):
    with pytest.raises(ValidationError) as refused:
        services.kpi_target_set(kpi_key=key, value=value, actor=cast.users["manager"])
    assert field in refused.value.message_dict
    assert not KpiTarget.objects.exists()


def test_a_percentage_target_is_at_most_100(cast, monkeypatch):
    from medoffice.reports import kpi

    percent = kpi.Kpi(**{**ACCESS_KPI.__dict__, "key": "test_pct", "unit": kpi.Unit.PERCENT})
    kpi.register(percent)
    try:
        with pytest.raises(ValidationError):
            services.kpi_target_set(kpi_key="test_pct", value="101", actor=cast.users["manager"])
        services.kpi_target_set(kpi_key="test_pct", value="100", actor=cast.users["manager"])
    finally:
        kpi._kpis.pop("test_pct", None)


def test_setting_and_clearing_are_audited(cast):
    manager = cast.users["manager"]
    services.kpi_target_set(kpi_key=ACCESS_KPI.key, value="11", actor=manager)
    services.kpi_target_set(kpi_key=ACCESS_KPI.key, value="13", actor=manager)
    assert services.kpi_target_clear(kpi_key=ACCESS_KPI.key, actor=manager) is True
    assert services.kpi_target_clear(kpi_key=ACCESS_KPI.key, actor=manager) is False
    events = list(AuditEvent.objects.filter(object_type="kpi_target").order_by("seq"))
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[1].details["previous"] == "11.00" and events[1].details["value"] == "13.00"
    assert all(e.actor_id == manager.pk for e in events)
