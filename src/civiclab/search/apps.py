from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The site search: one box in the header over everything a person may see."""

    name = "civiclab.search"
    label = "search"

    def ready(self) -> None:
        # The index follows every write to the objects it covers (post_save, post_delete).
        from civiclab.search import receivers

        receivers.connect()
