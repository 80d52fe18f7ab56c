from django.apps import AppConfig


class AmiConfig(AppConfig):
    name = "edhub.ami"
    verbose_name = "Appel à manifestation d'intérêt « connectivité »"
