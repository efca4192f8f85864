from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "medoffice.accounts"
    label = "accounts"
    verbose_name = "Accounts and security"

    def ready(self) -> None:
        from medoffice.accounts import home_panels

        home_panels.register_all()
