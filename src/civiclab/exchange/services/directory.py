"""The directory: each person sets their own entry (who finds them, what shows, their topics
and skills); checked, validated, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.services import changed_values
from civiclab.exchange.models.directory import (
    DIRECTORY_VISIBILITY,
    MAX_TAGS,
    SKILL,
    TAG_LIMIT,
    TOPIC,
    DirectoryEntry,
    DirectoryTag,
)
from civiclab.exchange.queries.directory import tag_key

EDITABLE = ("visibility", "headline", "show_team", "show_role", "show_email", "show_work")


def _clean_tags(name: str, labels: Any) -> list[tuple[str, str]]:
    if labels is None:
        return []
    if not isinstance(labels, (list, tuple)):
        raise ValidationError({name: _("A list of words.")})
    cleaned: dict[str, str] = {}
    for label in labels:
        text = " ".join(str(label).split())
        if not text:
            continue
        if len(text) > TAG_LIMIT:
            raise ValidationError(
                {
                    name: _("%(tag)s: at most %(limit)d characters.")
                    % {"tag": text[:20] + "…", "limit": TAG_LIMIT}
                }
            )
        cleaned.setdefault(tag_key(text), text)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({name: _("At most %(limit)d.") % {"limit": MAX_TAGS}})
    return [(label, key) for key, label in cleaned.items()]


@transaction.atomic
def set_entry(
    by: Any,
    user: Any,
    changes: dict[str, Any],
    topics: list[str] | None = None,
    skills: list[str] | None = None,
) -> DirectoryEntry:
    """Save ``user``'s entry: only they may (or the command line, ``by=None``). ``topics`` and
    ``skills`` (at most ``MAX_TAGS`` of ``TAG_LIMIT`` characters each) replace the old ones
    when given."""
    if by is not None and (not getattr(by, "is_authenticated", False) or by.pk != user.pk):
        raise PermissionDenied("a directory entry is its person's own")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    if "visibility" in changes and changes["visibility"] not in dict(DIRECTORY_VISIBILITY):
        raise ValidationError({"visibility": _("Choose hidden, my city or the network.")})
    cleaned = {TOPIC: _clean_tags("topics", topics), SKILL: _clean_tags("skills", skills)}
    entry = DirectoryEntry.objects.select_for_update().filter(user=user).first()
    entry = entry or DirectoryEntry(user=user)
    before = {name: getattr(entry, name) for name in changes}
    for name, value in changes.items():
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    entry.full_clean()
    entry.save()
    diff = changed_values(before, {name: getattr(entry, name) for name in changes})
    for kind, given in ((TOPIC, topics), (SKILL, skills)):
        if given is None:
            continue
        old = sorted(entry.tags.filter(kind=kind).values_list("label", flat=True))
        entry.tags.filter(kind=kind).delete()
        DirectoryTag.objects.bulk_create(
            DirectoryTag(entry=entry, kind=kind, label=label, key=key)
            for label, key in cleaned[kind]
        )
        new = sorted(label for label, _key in cleaned[kind])
        if old != new:
            diff[f"{kind}s"] = [", ".join(old), ", ".join(new)]
    network = user.memberships.select_related("network").first()
    record(
        by,
        "directoryentry.update",
        entry,
        network=network.network if network else None,
        changes=diff,
    )
    return entry
