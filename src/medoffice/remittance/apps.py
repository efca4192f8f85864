from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "medoffice.remittance"
    label = "remittance"
    verbose_name = "ERA posting and denials"

    def ready(self) -> None:
        from medoffice.remittance import navigation

        navigation.register_all()
