from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "civiclab.geo"
    label = "geo"
