from django.apps import AppConfig


class SubmissionConfig(AppConfig):
    name = "medoffice.submission"
    label = "submission"
    verbose_name = "Claim submission"
