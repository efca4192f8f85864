"""Access rules of the ERA pages and API (see core/tests/test_access_matrix.py): the billing office
(roles whose billing grant is not limited to their own records), from the matrix."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import RoleCode

VIEWERS = AccessRule(
    "role", roles=frozenset({RoleCode.MANAGER, RoleCode.BILLER, RoleCode.COMPLIANCE})
)
EDITORS = AccessRule("role", roles=frozenset({RoleCode.BILLER}))

URL_RULES = {
    **{
        f"remittance:{name}": VIEWERS
        for name in (
            "file_list",
            "file_detail",
            "unmatched_list",
            "denials",
            "appeal_letter",
            "appeal_letter_pdf",
        )
    },
    **{
        f"remittance:{name}": EDITORS
        for name in (
            "file_upload",
            "unmatched_resolve",
            "unmatched_not_ours",
            "denial_work_update",
            "appeal_new",
        )
    },
}
API_RULES = {
    "GET /api/remittance/files": VIEWERS,
    "POST /api/remittance/files": EDITORS,
    "GET /api/remittance/files/{file_id}": VIEWERS,
    "GET /api/remittance/unmatched": VIEWERS,
    "GET /api/remittance/denials": VIEWERS,
}
