from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap

URL_RULES = {
    "waitlist:list": cap(Capability.SCHEDULE),
    "waitlist:entry_new": cap(Capability.SCHEDULE, Need.EDIT),
    "waitlist:entry_remove": cap(Capability.SCHEDULE, Need.EDIT),
}
