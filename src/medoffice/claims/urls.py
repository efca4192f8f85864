from django.urls import path

from medoffice.claims import views_charges, views_claims, views_scrub

app_name = "claims"

E = "encounters/<int:encounter_id>/"

urlpatterns = [
    path("", views_claims.worklist, name="worklist"),
    path("<int:claim_id>/", views_claims.claim_detail, name="claim_detail"),
    path("<int:claim_id>/transition/", views_claims.claim_transition, name="claim_transition"),
    path("<int:claim_id>/cms1500.pdf", views_claims.claim_cms1500, name="claim_cms1500"),
    path("<int:claim_id>/secondary/", views_claims.claim_secondary, name="claim_secondary"),
    path("<int:claim_id>/scrub/", views_scrub.claim_scrub, name="claim_scrub"),
    path("scrub/", views_scrub.claims_scrub_bulk, name="claims_scrub"),
    path("payers/", views_scrub.payer_rules_list, name="payer_rules_list"),
    path("payers/<int:payer_id>/", views_scrub.payer_rules, name="payer_rules"),
    path("payers/<int:payer_id>/save/", views_scrub.payer_rules_save, name="payer_rules_save"),
    path("charges/", views_charges.charge_review, name="charge_review"),
    path("charges/<int:charge_id>/void/", views_charges.charge_void, name="charge_void"),
    path(E, views_charges.encounter_charges, name="encounter_charges"),
    path(E + "capture/", views_charges.charges_capture, name="charges_capture"),
    path(E + "bill/", views_charges.encounter_bill, name="encounter_bill"),
    path(E + "superbill.pdf", views_charges.superbill, name="superbill"),
]
