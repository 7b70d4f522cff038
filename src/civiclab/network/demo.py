"""The demo network: six cities in three countries, a cohort, a team per city, every role.

Seeding is all-or-nothing and happens once: when the demo network exists the seed leaves
everything alone, so a second ``civiclab demo`` keeps whatever the user changed or deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from civiclab.core.permissions import Role
from civiclab.network import services
from civiclab.network.models import Cohort, Network

DEMO_NETWORK_SLUG = "demo"
DEMO_PASSWORD = "civiclab-demo"
NETWORK_ADMIN_EMAIL = "network.admin@demo.civiclab.org"

# slug, name, country, region, population, timezone, language, visibility
CITIES = [
    ("mobile", "Mobile", "US", "Alabama", 187_041, "America/Chicago", "en", "public"),
    ("detroit", "Detroit", "US", "Michigan", 633_218, "America/Detroit", "en", "public"),
    ("boston", "Boston", "US", "Massachusetts", 650_706, "America/New_York", "en", "network"),
    ("paris", "Paris", "FR", "Île-de-France", 2_102_650, "Europe/Paris", "fr", "public"),
    ("mulhouse", "Mulhouse", "FR", "Grand Est", 105_735, "Europe/Paris", "fr", "network"),
    (
        "tel-aviv",
        "Tel Aviv-Yafo",
        "IL",
        "Tel Aviv District",
        474_530,
        "Asia/Jerusalem",
        "en",
        "network",
    ),
]
TEAM_NAMES = {
    "mobile": "Innovation Team",
    "detroit": "Office of Innovation",
    "boston": "New Urban Mechanics",
    "paris": "Équipe innovation",
    "mulhouse": "Laboratoire d'innovation",
    "tel-aviv": "Innovation Unit",
}


@dataclass
class DemoLogin:
    email: str
    role: str
    where: str


@dataclass
class DemoSummary:
    created: bool
    password: str = DEMO_PASSWORD
    logins: list[DemoLogin] = field(default_factory=list)


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin(NETWORK_ADMIN_EMAIL, Role.NETWORK_ADMIN, "the demo network")]
    for slug, name, *_rest in CITIES:
        logins.append(DemoLogin(f"{slug}.admin@demo.civiclab.org", Role.CITY_ADMIN, name))
    logins += [
        DemoLogin("mobile.analyst@demo.civiclab.org", Role.MEMBER, "Mobile (Innovation Team)"),
        DemoLogin("mobile.partner@demo.civiclab.org", Role.MEMBER, "Mobile"),
        DemoLogin("mobile.mayor@demo.civiclab.org", Role.VIEWER, "Mobile"),
        DemoLogin("paris.analyste@demo.civiclab.org", Role.MEMBER, "Paris (Équipe innovation)"),
    ]
    return logins


@transaction.atomic
def seed_demo() -> DemoSummary:
    if Network.objects.filter(slug=DEMO_NETWORK_SLUG).exists():
        return DemoSummary(created=False, logins=demo_logins())
    network = services.create_network(
        "Demo innovation network",
        DEMO_NETWORK_SLUG,
        "Cities and their innovation teams sharing methods, data and results.",
    )
    cohort = Cohort.objects.create(
        network=network,
        name="City Accelerator: Blight and Vacancy",
        slug="blight-2026",
        theme="Blight, vacant property and code enforcement",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 6, 30),
    )
    cities = {}
    for slug, name, country, region, population, tz, language, visibility in CITIES:
        city = services.create_city(
            services.SYSTEM,
            network,
            slug=slug,
            name=name,
            country=country,
            region=region,
            population=population,
            timezone=tz,
            default_language=language,
            visibility=visibility,
        )
        city.cohorts.add(cohort)
        team = services.create_team(
            services.SYSTEM, city, name=TEAM_NAMES[slug], visibility="network"
        )
        cities[slug] = (city, team)

    def person(email: str, name: str) -> object:
        return services.create_user(email, DEMO_PASSWORD, name)

    admin = person(NETWORK_ADMIN_EMAIL, "Network Admin")
    services.make_network_admin(admin, network)
    for slug, (city, team) in cities.items():
        user = person(f"{slug}.admin@demo.civiclab.org", f"{city.name} Admin")
        services.add_membership(services.SYSTEM, user, city, Role.CITY_ADMIN, team)
    mobile, mobile_team = cities["mobile"]
    services.add_membership(
        services.SYSTEM,
        person("mobile.analyst@demo.civiclab.org", "Dana Analyst"),
        mobile,
        Role.MEMBER,
        mobile_team,
    )
    services.add_membership(
        services.SYSTEM,
        person("mobile.partner@demo.civiclab.org", "Sam Partner"),
        mobile,
        Role.MEMBER,
    )
    services.add_membership(
        services.SYSTEM,
        person("mobile.mayor@demo.civiclab.org", "Mayor's Office"),
        mobile,
        Role.VIEWER,
    )
    paris, paris_team = cities["paris"]
    services.add_membership(
        services.SYSTEM,
        person("paris.analyste@demo.civiclab.org", "Camille Analyste"),
        paris,
        Role.MEMBER,
        paris_team,
    )
    return DemoSummary(created=True, logins=demo_logins())
