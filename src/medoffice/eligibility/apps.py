from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "medoffice.eligibility"
    label = "eligibility"
    verbose_name = "Insurance eligibility (270/271)"
