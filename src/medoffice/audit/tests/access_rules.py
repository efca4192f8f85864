from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import SIGNED_IN, cap

URL_RULES = {
    "audit:event_list": cap(Capability.AUDIT_LOG),
    "audit:event_export": cap(Capability.AUDIT_LOG),
    "audit:event_flag": cap(Capability.AUDIT_LOG, Need.EDIT),
    "audit:emergency_list": cap(Capability.AUDIT_LOG, Need.EDIT),
    "audit:emergency_new": SIGNED_IN,  # the service lets only BG roles complete it
    "audit:emergency_review": cap(Capability.AUDIT_LOG, Need.EDIT),
    "audit:chain_verify": cap(Capability.AUDIT_LOG, Need.EDIT),
}
API_RULES = {
    "GET /api/audit/events": cap(Capability.AUDIT_LOG),
}
