"""Access rules of the submission URLs (see core/tests/test_access_matrix.py): the billing
office from the matrix (own-only billing roles left out)."""

from medoffice.core.permissions import Need
from medoffice.submission.access import office_rule

URL_RULES = {
    "submission:index": office_rule(Need.VIEW),
    "submission:batch_download": office_rule(Need.VIEW),
    **{
        f"submission:{name}": office_rule(Need.EDIT)
        for name in ("batch_create", "batch_send", "poll")
    },
}
API_RULES: dict = {}
