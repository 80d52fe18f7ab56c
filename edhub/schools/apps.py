from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "edhub.schools"
    verbose_name = "Écoles et établissements"
