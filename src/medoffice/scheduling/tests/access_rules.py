"""Access rules of scheduling's URLs and API operations (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import SIGNED_IN, cap

SCHEDULE_VIEW = cap(Capability.SCHEDULE)
SCHEDULE_EDIT = cap(Capability.SCHEDULE, Need.EDIT)

URL_RULES: dict[str, AccessRule] = {
    # Calendar (day, week, day sheet, booking panels)
    "scheduling:calendar_day": SCHEDULE_VIEW,
    "scheduling:calendar_day_print": SCHEDULE_VIEW,
    "scheduling:calendar_week": SCHEDULE_VIEW,
    "scheduling:calendar_colors": SIGNED_IN,  # colours only, no patient data
    "scheduling:booking_new": SCHEDULE_EDIT,
    "scheduling:booking_patients": SCHEDULE_EDIT,
    "scheduling:appointment_panel": SCHEDULE_VIEW,
    "scheduling:appointment_move": SCHEDULE_EDIT,
    "scheduling:appointment_cancel": SCHEDULE_EDIT,
    "scheduling:appointment_no_show": cap(Capability.VISIT_FLOW, Need.EDIT),
}
API_RULES: dict[str, AccessRule] = {
    "GET /api/scheduling/appointment-types": SCHEDULE_VIEW,
    "GET /api/scheduling/providers": SCHEDULE_VIEW,
    "GET /api/scheduling/availability": SCHEDULE_VIEW,
    "GET /api/scheduling/slots": SCHEDULE_VIEW,
    "GET /api/scheduling/appointments": SCHEDULE_VIEW,
    "GET /api/scheduling/appointments/{appointment_id}": SCHEDULE_VIEW,
    "POST /api/scheduling/appointments": SCHEDULE_EDIT,
    "POST /api/scheduling/appointments/{appointment_id}/reschedule": SCHEDULE_EDIT,
    "POST /api/scheduling/appointments/{appointment_id}/cancel": SCHEDULE_EDIT,
    "POST /api/scheduling/appointments/{appointment_id}/status": cap(
        Capability.VISIT_FLOW, Need.EDIT
    ),
}

from medoffice.scheduling.tests.access_rules_setup import SETUP_URL_RULES  # noqa: E402

URL_RULES.update(SETUP_URL_RULES)
