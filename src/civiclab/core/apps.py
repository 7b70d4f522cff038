from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civiclab.core"
    label = "core"
    verbose_name = "civiclab core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civiclab.core.middleware import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="civiclab.core.signed_in")
