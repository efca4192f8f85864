from django.apps import AppConfig


class HuddleConfig(AppConfig):
    name = "medoffice.huddle"
    label = "huddle"
    verbose_name = "Morning huddle"
