from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ldnclinic.accounts"
    label = "accounts"
    verbose_name = "Accounts and clinics"
