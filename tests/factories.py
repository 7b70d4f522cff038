"""Typed factory-boy factories for the network."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from civiclab.accounts.models import User
from civiclab.network.models import City, Cohort, Membership, Network, Team

TEST_PASSWORD = "correct-horse-battery-staple"


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")
    country = "US"
    timezone = "America/New_York"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)
    network = factory.LazyAttribute(lambda m: m.city.network if m.city else NetworkFactory())
    role = "member"
