from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "civiclab.datasets"
    label = "datasets"
