from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "medoffice.organization"
    label = "organization"
    verbose_name = "Practice and locations"
