from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "medoffice.claims"
    label = "claims"
    verbose_name = "Charges and claims"

    def ready(self) -> None:
        from medoffice.claims import navigation

        navigation.register_all()
