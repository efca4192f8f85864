from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "medoffice.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from medoffice.scheduling import navigation_calendar

        navigation_calendar.register_all()
