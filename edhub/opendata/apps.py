from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "edhub.opendata"
    verbose_name = "Données ouvertes"
