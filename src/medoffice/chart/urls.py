from django.urls import path

from medoffice.chart.views import chart, coding, entries, records

app_name = "chart"

P = "patients/<int:patient_id>/"
E = P + "encounters/<int:encounter_id>/"

urlpatterns = [
    path("records-audit/", records.records_audit_page, name="records_audit"),
    path(P, chart.chart, name="chart"),
    path(P + "encounters/new/", chart.encounter_new, name="encounter_new"),
    path(E, chart.encounter_detail, name="encounter_detail"),
    path(E + "edit/", chart.encounter_edit, name="encounter_edit"),
    path(E + "notes/new/", chart.note_new, name="note_new"),
    path(P + "notes/<int:note_id>/", chart.note_detail, name="note_detail"),
    path(P + "notes/<int:note_id>/edit/", chart.note_edit, name="note_edit"),
    path(P + "notes/<int:note_id>/sign/", chart.note_sign, name="note_sign"),
    path(P + "notes/<int:note_id>/amend/", chart.note_amend, name="note_amend"),
    path(E + "coding/", coding.coding, name="coding"),
    path(E + "coding/diagnoses/", coding.diagnosis_add, name="diagnosis_add"),
    path(
        E + "coding/diagnoses/<int:diagnosis_id>/remove/",
        coding.diagnosis_remove,
        name="diagnosis_remove",
    ),
    path(
        E + "coding/diagnoses/<int:diagnosis_id>/rank/",
        coding.diagnosis_move,
        name="diagnosis_move",
    ),
    path(E + "coding/procedures/", coding.procedure_add, name="procedure_add"),
    path(
        E + "coding/procedures/<int:procedure_id>/remove/",
        coding.procedure_remove,
        name="procedure_remove",
    ),
    path(E + "coding/icd10-options/", coding.icd10_options, name="icd10_options"),
    path(E + "coding/procedure-options/", coding.procedure_options, name="procedure_options"),
    path(P + "allergies/none-known/", entries.allergies_none_known, name="allergies_none_known"),
    path(P + "vitals/new/", entries.vitals_new, name="vitals_new"),
]

for kind, plural in [
    ("problem", "problems"),
    ("allergy", "allergies"),
    ("medication", "medications"),
    ("immunization", "immunizations"),
    ("lab", "labs"),
]:
    urlpatterns += [
        path(f"{P}{plural}/new/", entries.entry_new, {"kind": kind}, name=f"{kind}_new"),
        path(
            f"{P}{plural}/<int:entry_id>/edit/",
            entries.entry_edit,
            {"kind": kind},
            name=f"{kind}_edit",
        ),
    ]
