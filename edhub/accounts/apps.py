from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "edhub.accounts"
    verbose_name = "Comptes et organisations"
