from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "edhub.indicators"
    verbose_name = "Indicateurs"
