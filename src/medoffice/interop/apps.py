from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "medoffice.interop"
    label = "interop"
    verbose_name = "Interoperability (FHIR, X12, HL7)"
