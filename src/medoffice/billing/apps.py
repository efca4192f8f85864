from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "medoffice.billing"
    label = "billing"
    verbose_name = "Billing ledger"

    def ready(self) -> None:
        from medoffice.billing import navigation

        navigation.register_all()
