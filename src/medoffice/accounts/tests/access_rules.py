from medoffice.core.tests.access_rules import PUBLIC, SIGNED_IN

URL_RULES = {
    "accounts:login": PUBLIC,
    "accounts:login_code": PUBLIC,
    "accounts:logout": SIGNED_IN,
    "accounts:keepalive": SIGNED_IN,
    "accounts:profile": SIGNED_IN,
    "accounts:password_change": SIGNED_IN,
    "accounts:twofactor_enroll": SIGNED_IN,
    "accounts:recovery_codes_new": SIGNED_IN,
    "accounts:token_create": SIGNED_IN,
    "accounts:token_revoke": SIGNED_IN,
}
API_RULES = {
    "GET /api/accounts/me": SIGNED_IN,
}
