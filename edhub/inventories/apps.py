from django.apps import AppConfig


class InventoriesConfig(AppConfig):
    name = "edhub.inventories"
    verbose_name = "Inventaires locaux"

    def ready(self):
        from edhub.inventories import providers

        providers.register()
