"""Access rules of the charges and claims URLs and API (see core/tests/test_access_matrix.py)."""

from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap

B = Capability.BILLING

URL_RULES = {
    **{
        f"claims:{name}": cap(B)
        for name in (
            "worklist",
            "claim_detail",
            "claim_cms1500",
            "charge_review",
            "encounter_charges",
            "superbill",
            "payer_rules_list",
            "payer_rules",
        )
    },
    **{
        f"claims:{name}": cap(B, Need.EDIT)
        for name in (
            "claim_transition",
            "claim_secondary",
            "charge_void",
            "charges_capture",
            "encounter_bill",
            "claim_scrub",
            "claims_scrub",
            "payer_rules_save",
        )
    },
}
API_RULES = {
    "GET /api/claims/": cap(B),
    "GET /api/claims/{claim_id}": cap(B),
    "POST /api/claims/{claim_id}/transition": cap(B, Need.EDIT),
    "POST /api/claims/scrub": cap(B, Need.EDIT),
}
