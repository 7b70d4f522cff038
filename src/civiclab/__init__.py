"""civiclab: a self-hosted platform for city innovation teams."""

__version__ = "0.1.0"
