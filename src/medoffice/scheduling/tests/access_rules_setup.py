"""Access rules of the setup and find-first-available pages (merged into access_rules.py)."""

from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap

VIEW = cap(Capability.SCHEDULE)
EDIT = cap(Capability.SCHEDULE, Need.EDIT)

SETUP_URL_RULES = {
    "scheduling:find": VIEW,
    **{
        f"scheduling:{name}": VIEW
        for name in ("setup", "setup_providers", "setup_rooms", "setup_types", "setup_templates",
                     "setup_time_off", "setup_holidays")
    },
    **{
        f"scheduling:{name}": EDIT
        for name in ("setup_provider_new", "setup_provider_edit", "setup_room_new", "setup_room_edit",
                     "setup_equipment_new", "setup_equipment_edit", "setup_type_new", "setup_type_edit",
                     "setup_hours", "setup_template_new", "setup_template_edit", "setup_time_off_new",
                     "setup_time_off_delete", "setup_holidays_load", "setup_holiday_new", "setup_holiday_edit",
                     "setup_holiday_delete")
    },
}  # fmt: skip
