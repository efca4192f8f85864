from django.urls import path

from medoffice.patients import (
    views_contacts,
    views_coverage,
    views_documents,
    views_merge,
    views_registration,
    views_search,
)

app_name = "patients"

P = "<int:patient_id>/"

urlpatterns: list = [
    # Search, duplicates and merging
    path("", views_search.search, name="search"),
    path("search/results/", views_search.search_results, name="search_results"),
    path("duplicates/", views_merge.duplicates, name="duplicates"),
    path("duplicates/dismiss/", views_merge.duplicate_dismiss_view, name="duplicate_dismiss"),
    path("merges/new/", views_merge.merge_new, name="merge_new"),
    path("merges/<int:merge_id>/", views_merge.merge_review, name="merge_review"),
    path("merges/<int:merge_id>/execute/", views_merge.merge_execute, name="merge_execute"),
    path("merges/<int:merge_id>/cancel/", views_merge.merge_cancel, name="merge_cancel"),
    path("new/", views_registration.patient_new, name="new"),
    path(P, views_registration.patient_detail, name="detail"),
    path(P + "edit/", views_registration.patient_edit, name="edit"),
    path(P + "ssn/", views_registration.patient_ssn, name="ssn"),
    # Coverage and payers
    path(P + "coverages/new/", views_coverage.coverage_new, name="coverage_new"),
    path(
        P + "coverages/<int:coverage_id>/edit/",
        views_coverage.coverage_edit,
        name="coverage_edit",
    ),
    path(P + "coverages/<int:coverage_id>/end/", views_coverage.coverage_end, name="coverage_end"),
    path(
        P + "coverages/<int:coverage_id>/card/<str:side>/",
        views_coverage.coverage_card,
        name="coverage_card",
    ),
    path("payers/", views_coverage.payer_list, name="payer_list"),
    path("payers/new/", views_coverage.payer_new, name="payer_new"),
    path("payers/<int:payer_id>/edit/", views_coverage.payer_edit, name="payer_edit"),
    # Documents and consents
    path(P + "documents/new/", views_documents.document_new, name="document_new"),
    path(
        P + "documents/<int:document_id>/file/",
        views_documents.document_file,
        name="document_file",
    ),
    path(P + "consents/new/", views_documents.consent_new, name="consent_new"),
    path(
        P + "consents/<int:consent_id>/revoke/",
        views_documents.consent_revoke,
        name="consent_revoke",
    ),
    # Alerts, emergency contacts, guarantor, identifiers
    path(P + "alerts/new/", views_contacts.alert_new, name="alert_new"),
    path(
        P + "alerts/<int:alert_id>/deactivate/",
        views_contacts.alert_deactivate,
        name="alert_deactivate",
    ),
    path(P + "contacts/new/", views_contacts.contact_new, name="contact_new"),
    path(P + "contacts/<int:contact_id>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path(
        P + "contacts/<int:contact_id>/remove/",
        views_contacts.contact_remove,
        name="contact_remove",
    ),
    path(P + "guarantor/", views_contacts.guarantor_edit, name="guarantor_edit"),
    path(P + "guarantor/clear/", views_contacts.guarantor_clear, name="guarantor_clear"),
    path(P + "identifiers/new/", views_contacts.identifier_new, name="identifier_new"),
    path(
        P + "identifiers/<int:identifier_id>/remove/",
        views_contacts.identifier_remove,
        name="identifier_remove",
    ),
]
