from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from civiclab.core.management.output import ResultCommand, command_error
from civiclab.core.permissions import Role
from civiclab.network import services
from civiclab.network.management.commands.city import resolve_network
from civiclab.network.models import City, Membership


class Command(ResultCommand):
    help = "Add a user (or give an existing one a role) in a city or, for network_admin, a network."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("email")
        parser.add_argument("--city", help="city slug (not for network_admin)")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--team", help="team slug inside the city")
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--network", help="network slug for network_admin")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (else the person chooses one "
            "with 'Forgot your password?')",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin given but standard input was empty")
        role = Role(options["role"])
        try:
            with transaction.atomic():
                result = self._add(options, role, password)
        except ValidationError as exc:
            raise command_error(exc) from None
        where = result["city"] or result["network"]
        self.emit(options, result, f"{result['email']} is {role.value} of {where}")

    def _add(self, options: dict[str, Any], role: Role, password: str | None) -> dict[str, Any]:
        users = get_user_model().objects
        user = users.filter(email__iexact=options["email"].strip()).first()
        if password is not None:
            validate_password(password, user)
        if user is None:
            user = services.create_user(options["email"], password, options["name"])
        elif password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        if role is Role.NETWORK_ADMIN:
            if options["city"]:
                raise CommandError(
                    "a network_admin belongs to a network: use --network, not --city"
                )
            membership = services.make_network_admin(user, resolve_network(options["network"]))
        else:
            if not options["city"]:
                raise CommandError(f"--city is required for role {role.value}")
            city = City.objects.filter(slug=options["city"]).first()
            if city is None:
                raise CommandError(f"no city with slug {options['city']!r}")
            team = None
            if options["team"]:
                team = city.teams.filter(slug=options["team"]).first()
                if team is None:
                    raise CommandError(f"no team {options['team']!r} in {city.slug}")
            existing = Membership.objects.filter(user=user, city=city).first()
            if existing:
                membership = services.change_membership(services.SYSTEM, existing, role, team)
            else:
                membership = services.add_membership(services.SYSTEM, user, city, role, team)
        return {
            "email": user.email,
            "role": membership.role,
            "city": membership.city.slug if membership.city else None,
            "team": membership.team.slug if membership.team else None,
            "network": membership.network.slug,
            "password_set": password is not None,
        }
