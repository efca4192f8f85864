from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "medoffice.referrals"
    label = "referrals"
    verbose_name = "Referrals and prior authorizations"

    def ready(self) -> None:
        from medoffice.referrals import home_panels, hooks

        home_panels.register_all()
        hooks.register_all()
