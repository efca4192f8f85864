from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "medoffice.patients"
    label = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        from medoffice.core import registry
        from medoffice.patients import home_panels
        from medoffice.patients.selectors import patient_id_for_mrn, patient_mrns_for_audit

        registry.register_patient_ref_resolver(patient_mrns_for_audit)
        registry.register_patient_id_resolver(patient_id_for_mrn)
        home_panels.register_all()
