from django.apps import AppConfig


class AmiConfig(AppConfig):
    name = "edhub.ami"
    verbose_name = "Appel à manifestation d'intérêt « connectivité »"

    def ready(self):
        from edhub.ami.followup import followed_connections
        from edhub.schools import connections

        connections.register("ami-followup", connections.Origin.OBSERVED, followed_connections)
