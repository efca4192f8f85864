from medoffice.core.access import AccessRule
from medoffice.core.permissions import RoleCode
from medoffice.core.tests.access_rules import PUBLIC

MANAGER = AccessRule("role", roles=frozenset({RoleCode.MANAGER}))
FEED_PEOPLE = AccessRule("role", roles=frozenset({RoleCode.MANAGER, RoleCode.CLINICIAN}))

URL_RULES = {
    "messaging:outbox": MANAGER,
    "messaging:message_retry": MANAGER,
    "messaging:message_cancel": MANAGER,
    "messaging:calendar_feeds": FEED_PEOPLE,
    "messaging:calendar_feed_regenerate": FEED_PEOPLE,
    "messaging:appointment_link": PUBLIC,
    "messaging:offer_link": PUBLIC,
    "messaging:opt_out_link": PUBLIC,
    "messaging:sms_inbound": PUBLIC,
    "messaging:ical_feed": PUBLIC,
}
