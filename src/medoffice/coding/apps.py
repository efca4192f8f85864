from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "medoffice.coding"
    label = "coding"
    verbose_name = "Code tables"
