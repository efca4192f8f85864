from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "medoffice.remittance"
    label = "remittance"
    verbose_name = "ERA posting and denials"

    def ready(self) -> None:
        from medoffice.remittance import api, navigation

        navigation.register_all()
        # The JSON API's router (/api/remittance/), before the URLs are built.
        api.mount()
