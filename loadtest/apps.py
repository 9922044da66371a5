from django.apps import AppConfig


class LoadtestConfig(AppConfig):
    name = "loadtest"
    verbose_name = "Load tooling: simulated classes, the load benchmark and the demo"
