"""``civiclab exchange similar (--challenge ID | --idea ID | --text TEXT) [--as EMAIL]`` and
``civiclab exchange reembed``.

``similar`` ranks what other cities share that is most like a challenge, an idea or a text —
the same ranking as the page's panel and the API. With ``--as EMAIL`` it answers as that person
(what they may see); without, as the operator, who sees what cities share beyond themselves
(network or public) and nothing private. ``reembed`` recomputes every passage and embedding
(after a model upgrade; the worker keeps them current otherwise)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from civiclab.exchange.queries.similar import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    query_for_object,
    query_for_text,
    similar,
)
from civiclab.exchange.similarity.text import MAX_QUERY_CHARS


def add_parser(sub: Any, name: str) -> None:
    if name == "reembed":
        parser = sub.add_parser(
            name, help="recompute every passage and its embedding (look elsewhere first)"
        )
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="only the passages whose text or model changed",
        )
    else:
        parser = sub.add_parser(
            name, help="other cities' shared work most similar to a challenge, idea or text"
        )
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--challenge", type=int, help="similar to this challenge (id)")
        group.add_argument("--idea", type=int, help="similar to this idea (id)")
        group.add_argument("--text", help=f"similar to this text (at most {MAX_QUERY_CHARS} chars)")
        parser.add_argument("--as", dest="as_email", help="answer as this person (email)")
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    if action == "reembed":
        return run_reembed(options)
    return run_similar(options)


def _user(email: str | None) -> Any:
    if not email:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user with the email {email!r}.")
    return user


def run_similar(options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.exchange import kinds
    from civiclab.exchange.queries.similar import source_model

    user = _user(options.get("as_email"))
    limit = options.get("limit") or DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise CommandError(f"--limit is 1 to {MAX_LIMIT}.")
    if options.get("text") is not None:
        text = options["text"]
        if not text.strip() or len(text) > MAX_QUERY_CHARS:
            raise CommandError(f"--text is 1 to {MAX_QUERY_CHARS} characters.")
        query, about = query_for_text(text), f"“{text[:60]}”"
    else:
        kind = "challenge" if options.get("challenge") is not None else "idea"
        pk = options[kind]
        obj = (
            kinds.visible_object(kind, user, pk)
            if user is not None
            else source_model(kind)._default_manager.filter(pk=pk).first()
        )
        if obj is None:
            raise CommandError(f"No {kind} with the id {pk}.")
        query, about = query_for_object(kind, obj), f"{kind} {pk} “{obj}”"
    items = [m.as_json() for m in similar(user, query, limit)]
    lines = [f"{len(items)} similar to {about}:"]
    for item in items:
        lines.append(
            f"{item['score']:.4f}  {item['kind']:<9} {item['id']:>6}  {item['city'][:20]:<20}  "
            f"{item['language']}  {item['title'][:70]}"
        )
        lines += [f"{'':10}{why}" for why in item["why"]]
    return items, "\n".join(lines)


def run_reembed(options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.exchange.services.similar import reembed

    result = reembed(force=not options.get("stale_only"))
    lines = [f"model: {result['model'] or 'none installed (ranked by words alone)'}"]
    for kind, counts in result["kinds"].items():
        lines.append(
            f"{kind}: {counts['objects']} objects, {counts['written']} passages written, "
            f"{counts['embedded']} embedded, {counts['removed']} removed"
        )
    return result, "\n".join(lines)
