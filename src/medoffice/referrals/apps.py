from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "medoffice.referrals"
    label = "referrals"
    verbose_name = "Referrals and prior authorizations"
