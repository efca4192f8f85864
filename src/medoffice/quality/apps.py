from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "medoffice.quality"
    label = "quality"
    verbose_name = "Quality improvement"

    def ready(self) -> None:
        from medoffice.quality import navigation

        navigation.register_all()
