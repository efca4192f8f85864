from django.apps import AppConfig


class SubmissionConfig(AppConfig):
    name = "medoffice.submission"
    label = "submission"
    verbose_name = "Claim submission"

    def ready(self) -> None:
        from medoffice.submission import navigation

        navigation.register_all()
