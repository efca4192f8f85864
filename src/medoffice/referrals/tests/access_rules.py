"""Access rules of the referrals URLs and API (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap

R = Capability.REFERRALS


def patient_rule(need: Need = Need.VIEW) -> AccessRule:
    return AccessRule("capability", R, need, patient_kwarg="patient_id")


URL_RULES = {
    "referrals:worklist": cap(R),
    "referrals:auth_alerts": cap(R),
    "referrals:patient": patient_rule(),
    "referrals:patient_summary": patient_rule(),
    "referrals:referral_detail": patient_rule(),
    "referrals:auth_detail": patient_rule(),
    **{
        f"referrals:{name}": patient_rule(Need.EDIT)
        for name in (
            "referral_new",
            "referral_edit",
            "referral_status",
            "referral_link",
            "auth_new",
            "auth_edit",
        )
    },
}
API_RULES = {
    "GET /api/referrals/worklist": cap(R),
    "GET /api/referrals/patients/{patient_id}": patient_rule(),
}
