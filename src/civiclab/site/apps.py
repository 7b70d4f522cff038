from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition root: URLs, the API's routers, the home page, the demo."""

    name = "civiclab.site"
    label = "site"
    verbose_name = "civiclab site"
