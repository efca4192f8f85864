from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "medoffice.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from medoffice.scheduling import navigation_calendar, navigation_setup

        navigation_calendar.register_all()
        navigation_setup.register_all()
