from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "civiclab.network"
    label = "network"

    def ready(self) -> None:
        from civiclab.audit import links
        from civiclab.audit.queries import can_read_audit
        from civiclab.core.page_links import PageLink, contribute

        # The profile page (accounts, below) offers the network's audit log to those who may
        # read it, without knowing the network app (core.page_links).
        contribute(
            "profile",
            PageLink(
                key="network_audit",
                label=_("Network audit log"),
                url_name="network:audit",
                args=lambda user: (),
                shown=lambda user, viewer: can_read_audit(viewer),
            ),
        )

        # The audit log links a city's and a team's events to them, for readers who see them.
        from civiclab.network.queries import city_links, team_links

        links.register("network.city", city_links)
        links.register("network.team", team_links)

        # The language middleware remembers each user's first city's language: a change of
        # membership or of a city's default language makes it ask again.
        from django.db.models.signals import post_delete, post_save

        from civiclab.core.middleware import city_languages_changed
        from civiclab.network.models import City, Membership

        for model in (City, Membership):
            for signal in (post_save, post_delete):
                signal.connect(
                    city_languages_changed, sender=model, dispatch_uid=f"city-language-{model}"
                )
