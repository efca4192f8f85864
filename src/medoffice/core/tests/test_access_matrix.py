"""Every URL and API operation, for every role, against the documented access matrix.

A new URL must get an entry in URL_RULES, or `test_every_url_has_a_rule` fails.
"""

from __future__ import annotations

import importlib
import re
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessRule
from medoffice.core.api import api
from medoffice.core.permissions import MATRIX, Capability, RoleCode
from medoffice.core.tests.access_rules import ADMIN_ONLY, PUBLIC, SIGNED_IN, cap  # noqa: F401
from medoffice.testing.personas import ALL_STAFF_ROLES, persona, signed_in_client


def _collect_rules(name: str) -> dict[str, AccessRule]:
    """Each app lists its URLs' rules in <app>/tests/access_rules.py (URL_RULES, API_RULES)."""
    rules: dict[str, AccessRule] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("medoffice."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_rules")
        except ModuleNotFoundError:
            continue
        rules.update(getattr(module, name, {}))
    return rules


URL_RULES = _collect_rules("URL_RULES")
API_RULES = _collect_rules("API_RULES")
# django-ninja's own pages: the schema and docs carry no data.
API_META = {"api:openapi-json", "api:openapi-view", "api:api-root"}
SIGNS_OUT = {"accounts:logout"}
# Roles come from the matrix in code; tokens from their owner; throttles from failed sign-ins.
ADMIN_ADD_DISABLED = {
    "admin:accounts_role_add",
    "admin:accounts_apitoken_add",
    "admin:accounts_loginthrottle_add",
}
# Tables that may change when a request is refused: the refusal's own audit entry, sessions.
BOOKKEEPING = {
    "audit.auditevent",
    "audit.auditchainhead",
    "sessions.session",
    "accounts.loginthrottle",
}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace + (p.name or ""), p.callback


ROUTES = list(_walk(get_resolver().url_patterns))
APP_ROUTES = [r for r in ROUTES if not r[1].startswith(("admin:", "api:"))]
ADMIN_ROUTES = [r for r in ROUTES if r[1].startswith("admin:")]


def _sample_path(pattern: str) -> str:
    """A concrete path for a URL pattern; ids that do not exist are fine (403 comes first)."""
    path = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), pattern)
    path = re.sub(r"<int:[^>]+>", "999999", path)
    path = re.sub(r"<(path|str|slug):[^>]+>", "999999", path)
    path = re.sub(r"\^|\$|\\Z", "", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "999999", path)
    return "/" + path


def _model_counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m.objects.count()
        for m in apps.get_models()
        if m._meta.label_lower not in BOOKKEEPING and m._meta.managed
    }


def test_every_url_has_a_rule():
    names = {name for _, name, _ in APP_ROUTES}
    missing = names - set(URL_RULES)
    assert not missing, f"URLs without an entry in the access matrix test: {sorted(missing)}"
    for _, name, view in APP_ROUTES:
        assert getattr(view, "access_rule", None) == URL_RULES[name], (
            f"{name} declares a different rule"
        )
    api_names = {name for _, name, _ in ROUTES if name.startswith("api:")} - API_META
    declared = {f"{m} /api{prefix.rstrip('/')}{path}" for prefix, path, m, _ in _api_operations()}
    assert declared == set(API_RULES), "API operations and API_RULES differ"
    assert api_names, "the API has operations"


def _api_sample_path(path: str) -> str:
    """A concrete path for an API operation: job ids are UUIDs, every other id an integer."""
    return re.sub(r"\{(\w+)\}", lambda m: str(uuid.uuid4()) if m[1] == "job_id" else "999999", path)


def _api_operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    yield prefix, path, method, op.view_func


def test_api_operations_declare_their_rules():
    for prefix, path, method, view in _api_operations():
        key = f"{method} /api{prefix.rstrip('/')}{path}"
        assert getattr(view, "access_rule", None) == API_RULES[key], key


def test_matrix_matches_the_product_spec():
    """core.permissions is the one copy of roles.md's table; check it cell by cell."""
    spec = (Path(__file__).resolve().parents[4] / "docs" / "spec" / "roles.md").read_text()
    labels = {
        "Users, roles, 2FA policy, settings": Capability.SETTINGS,
        "Patient demographics, contacts": Capability.DEMOGRAPHICS,
        "Insurance coverage, eligibility": Capability.COVERAGE,
        "Consents, documents (non-clinical)": Capability.DOCUMENTS,
        "Clinical chart: notes, problems, meds, allergies, results": Capability.CHART,
        "Diagnoses and procedures on encounters": Capability.CODING,
        "Schedule, availability, appointments": Capability.SCHEDULE,
        "Visit flow board (check-in, rooming)": Capability.VISIT_FLOW,
        "Referrals, prior authorizations": Capability.REFERRALS,
        "Charges, claims, ERAs, denials": Capability.BILLING,
        "Patient payments at the desk, copays": Capability.DESK_PAYMENTS,
        "Refunds, write-offs above threshold": Capability.REFUNDS_WRITEOFFS,
        "Month-end close, accounting export": Capability.PERIOD_CLOSE,
        "Reports: access and flow": Capability.REPORTS_ACCESS,
        "Reports: revenue": Capability.REPORTS_REVENUE,
        "Audit log and access reports": Capability.AUDIT_LOG,
        "Staff records, credentials, training, rosters (next modules)": Capability.STAFF,
        "Supplies, purchase orders (next modules)": Capability.SUPPLIES,
        "Policies, incidents (next modules)": Capability.POLICIES,
    }
    columns = [RoleCode.ADMIN, RoleCode.MANAGER, RoleCode.FRONT_DESK, RoleCode.BILLER, RoleCode.CLINICIAN,
               RoleCode.NURSE, RoleCode.PURCHASING, RoleCode.HR, RoleCode.COMPLIANCE]  # fmt: skip
    seen = set()
    for line in spec.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] not in labels:
            continue
        capability = labels[cells[0]]
        seen.add(capability)
        for role, cell in zip(columns, cells[1:], strict=True):
            expected = "VO" if cell == "V (own staff)" else cell.split(" ")[0].replace("**", "")
            expected = "-" if expected == "—" else expected
            assert MATRIX[capability][role].code == expected, (
                f"{capability} / {role}: spec says {cell!r}"
            )
    assert seen == set(labels.values())


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_each_url_for_each_role(db, role):
    user = persona(role)
    client = signed_in_client(user)
    refusals_before = AuditEvent.objects.filter(action="permission_denied").count()
    expected_refusals = 0
    for pattern, name, _ in APP_ROUTES:
        rule = URL_RULES[name]
        path = _sample_path(pattern)
        allowed = rule.allows_roles({role})
        before = _model_counts() if not allowed else None
        for method in ("get", "post"):
            if name in SIGNS_OUT and method == "post":
                continue  # would end the session mid-walk; signing out has its own tests
            response = getattr(client, method)(path)
            if allowed:
                assert response.status_code != 403, f"{role} was refused {method.upper()} {path}"
            else:
                assert response.status_code == 403, (
                    f"{role} got {response.status_code} on {method.upper()} {path}"
                )
                assert b"have access" in response.content
                expected_refusals += 1
        if before is not None:
            assert _model_counts() == before, f"a refused request to {path} changed data"
    refusals = AuditEvent.objects.filter(action="permission_denied").count() - refusals_before
    assert refusals == expected_refusals, "every refusal is audited"


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_admin_site_for_each_role(db, role):
    client = signed_in_client(persona(role))
    for pattern, name, _ in ADMIN_ROUTES:
        if "<" in pattern or "(?P" in pattern:
            continue  # object pages: the index and changelists cover the permission check
        response = client.get(_sample_path(pattern))
        if role == RoleCode.ADMIN and name == "admin:autocomplete":
            continue  # refuses any request without its widget parameters
        if role == RoleCode.ADMIN and name in ADMIN_ADD_DISABLED:
            assert response.status_code == 403, f"{name} should not be offered"
        elif role == RoleCode.ADMIN:
            assert response.status_code in {200, 302, 405}, f"admin refused {name}"
        else:
            assert response.status_code == 403, f"{role} reached admin page {name}"


def test_admin_site_needs_verified_second_factor(db):
    client = signed_in_client(persona(RoleCode.ADMIN), verified=False)
    response = client.get("/admin/")
    # Unverified administrators are sent to enroll (their role requires it), never into the admin.
    assert response.status_code == 302
    assert "/accounts/two-factor/" in response["Location"]


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_api_for_each_role(db, role):
    from medoffice.accounts.services import api_token_create

    user = persona(role)
    _, raw = api_token_create(actor=user, user=user, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    from django.test import Client

    client = Client()
    for key, rule in API_RULES.items():
        method, path = key.split(" ", 1)
        response = client.generic(method, _api_sample_path(path), headers=headers)
        if rule.allows_roles({role}):
            # 400: an operation that takes a body was sent none (bad input, not a refusal).
            assert response.status_code in {200, 400, 404}, f"{role} {key}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{role} {key}: {response.status_code}"
            assert "detail" in response.json()


def test_api_without_token_is_401(db):
    from django.test import Client

    for key in API_RULES:
        method, path = key.split(" ", 1)
        response = Client().generic(method, _api_sample_path(path))
        assert response.status_code == 401, key
