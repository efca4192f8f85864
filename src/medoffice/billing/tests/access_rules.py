from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.core.tests.access_rules import cap


def patient_cap(capability: Capability, need: Need = Need.VIEW) -> AccessRule:
    return AccessRule("capability", capability, need, patient_kwarg="patient_id")


def roles(*codes: RoleCode) -> AccessRule:
    return AccessRule("role", roles=frozenset(str(c) for c in codes))


OFFICE = roles(RoleCode.BILLER, RoleCode.MANAGER)

URL_RULES = {
    "billing:patient_ledger": patient_cap(Capability.BILLING),
    "billing:payment_new": patient_cap(Capability.BILLING, Need.EDIT),
    "billing:adjustment_list": cap(Capability.REFUNDS_WRITEOFFS),
    "billing:adjustment_new": cap(Capability.REFUNDS_WRITEOFFS, Need.REQUEST),
    "billing:adjustment_decide": cap(Capability.REFUNDS_WRITEOFFS, Need.APPROVE),
    "billing:fee_list": cap(Capability.BILLING),
    "billing:fee_new": cap(Capability.BILLING, Need.EDIT),
    "billing:fee_detail": cap(Capability.BILLING),
    "billing:fee_item_set": cap(Capability.BILLING, Need.EDIT),
    "billing:period_list": cap(Capability.PERIOD_CLOSE),
    "billing:period_close": cap(Capability.PERIOD_CLOSE, Need.EDIT),
    "billing:period_export": cap(Capability.PERIOD_CLOSE),
    "billing:ar_report": OFFICE,
    "billing:ar_export": OFFICE,
    "billing:statement_list": OFFICE,
    "billing:statement_run": roles(RoleCode.BILLER),
    "billing:statement_pdf": OFFICE,
    "billing:statement_sent": roles(RoleCode.BILLER),
    "billing:plan_new": patient_cap(Capability.BILLING, Need.EDIT),
    "billing:plan_close": patient_cap(Capability.BILLING, Need.EDIT),
    "billing:collections_edit": patient_cap(Capability.BILLING, Need.EDIT),
}
API_RULES = {
    "GET /api/billing/patients/{patient_id}/balance": cap(Capability.BILLING),
    "GET /api/billing/patients/{patient_id}/ledger": cap(Capability.BILLING),
    "POST /api/billing/payments": cap(Capability.BILLING, Need.EDIT),
    "GET /api/billing/fees": cap(Capability.BILLING),
}
