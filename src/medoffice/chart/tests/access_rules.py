from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need
from medoffice.core.tests.access_rules import cap


def patient_rule(capability: Capability, need: Need = Need.VIEW) -> AccessRule:
    return AccessRule("capability", capability, need, patient_kwarg="patient_id")


CHART_VIEW = patient_rule(Capability.CHART)
CHART_EDIT = patient_rule(Capability.CHART, Need.EDIT)
CODING_VIEW = patient_rule(Capability.CODING)
CODING_EDIT = patient_rule(Capability.CODING, Need.EDIT)

URL_RULES = {
    "chart:records_audit": cap(Capability.CHART_COMPLETENESS),
    "chart:chart": CHART_VIEW,
    "chart:encounter_new": CHART_EDIT,
    "chart:encounter_detail": CHART_VIEW,
    "chart:encounter_edit": CHART_EDIT,
    "chart:note_new": CHART_EDIT,
    "chart:note_detail": CHART_VIEW,
    "chart:note_edit": CHART_EDIT,
    "chart:note_sign": CHART_EDIT,
    "chart:note_amend": CHART_EDIT,
    "chart:coding": CODING_VIEW,
    "chart:diagnosis_add": CODING_EDIT,
    "chart:diagnosis_remove": CODING_EDIT,
    "chart:diagnosis_move": CODING_EDIT,
    "chart:procedure_add": CODING_EDIT,
    "chart:procedure_remove": CODING_EDIT,
    "chart:icd10_options": CODING_VIEW,
    "chart:procedure_options": CODING_VIEW,
    "chart:allergies_none_known": CHART_EDIT,
    "chart:vitals_new": CHART_EDIT,
    **{
        f"chart:{kind}_{op}": CHART_EDIT
        for kind in ("problem", "allergy", "medication", "immunization", "lab")
        for op in ("new", "edit")
    },
}
API_RULES = {
    "GET /api/chart/patients/{patient_id}/encounters": CODING_VIEW,
    "GET /api/chart/patients/{patient_id}/encounters/{encounter_id}": CODING_VIEW,
    "POST /api/chart/patients/{patient_id}/vitals": CHART_EDIT,
    "POST /api/chart/patients/{patient_id}/encounters/{encounter_id}/diagnoses": CODING_EDIT,
}
