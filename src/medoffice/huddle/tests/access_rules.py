"""Access rules of the huddle's URLs and API (see core/tests/test_access_matrix.py)."""

from medoffice.huddle.parts import AR_RULE, HUDDLE_RULE

URL_RULES = {
    "huddle:huddle": HUDDLE_RULE,
    "huddle:print": HUDDLE_RULE,
    "huddle:ar": AR_RULE,
}
API_RULES = {
    "GET /api/huddle/": HUDDLE_RULE,
}
