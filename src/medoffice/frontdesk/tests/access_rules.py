from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap

URL_RULES = {
    "frontdesk:board": cap(Capability.VISIT_FLOW),
    "frontdesk:check_in": cap(Capability.VISIT_FLOW, Need.EDIT),
    "frontdesk:room": cap(Capability.CHART, Need.EDIT),
    "frontdesk:step": cap(Capability.VISIT_FLOW, Need.EDIT),
    "frontdesk:check_out": cap(Capability.VISIT_FLOW, Need.EDIT),
    "frontdesk:receipt": cap(Capability.DESK_PAYMENTS),
    "frontdesk:payment_void": cap(Capability.DESK_PAYMENTS, Need.EDIT),
    "frontdesk:wait_times": cap(Capability.REPORTS_ACCESS),
}
API_RULES = {
    "GET /api/frontdesk/board": cap(Capability.VISIT_FLOW),
    "POST /api/frontdesk/visits/{appointment_id}/steps": cap(Capability.VISIT_FLOW, Need.EDIT),
    "POST /api/frontdesk/payments": cap(Capability.DESK_PAYMENTS, Need.EDIT),
}
