from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from civiclab.accounts.models import ApiToken
from civiclab.accounts.tokens import create_token, revoke_token
from civiclab.core.management.output import ResultCommand


def _user(email: str) -> Any:
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"no user with email {email!r}")
    return user


class Command(ResultCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown once)")
        create.add_argument("email")
        create.add_argument("--name", default="command line")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the 8 characters after clb_")
        for p in (create, listing, revoke):
            p.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            issued = create_token(_user(options["email"]), options["name"])
            result = {
                "token": issued.secret,
                "name": issued.token.name,
                "prefix": issued.token.prefix,
            }
            self.emit(options, result, issued.secret)
        elif action == "list":
            tokens = [
                {
                    "prefix": t.prefix,
                    "name": t.name,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "revoked": not t.is_active,
                }
                for t in _user(options["email"]).api_tokens.all()
            ]
            text = "\n".join(
                f"clb_{t['prefix']}_…  {t['name']}{'  (revoked)' if t['revoked'] else ''}"
                for t in tokens
            )
            self.emit(options, tokens, text or "no tokens")
        else:
            prefix = options["prefix"].removeprefix("clb_").split("_")[0]
            matches = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
            if len(matches) != 1:
                raise CommandError(f"no single active token starts with clb_{prefix}")
            revoke_token(matches[0])
            self.emit(options, {"revoked": prefix}, f"revoked clb_{prefix}_…")
