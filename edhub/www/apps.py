from django.apps import AppConfig


class WwwConfig(AppConfig):
    name = "edhub.www"
    verbose_name = "Site web"
