"""Static files: hashed and compressed after `collectstatic`, plain names before it."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that falls back to the plain file name.

    `civiclab serve` collects static files first, so production pages link to
    cache-forever hashed names. Tests and a first `civiclab demo` run have not collected
    anything; WhiteNoise then serves the plain names straight from the app folders.
    """

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected yet
            return name
