from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "edhub.territories"
    verbose_name = "Territoires"
