"""Write helpers every domain's services share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError

from civiclab.core.permissions import DEFAULT_POLICY, Action, Policy, Visibility
from civiclab.core.scoping import CONTENT_FIELDS, ScopeFields, require


def check(
    by: Any, action: Action, target: Any, policy: Policy, fields: ScopeFields = CONTENT_FIELDS
) -> None:
    """Refuse unless ``by`` may act; ``by=None`` is the command line, run by the operator."""
    if by is not None:
        require(by, action, target, policy, fields)


def check_may_share(
    by: Any,
    target: Any,
    visibility: str,
    policy: Policy = DEFAULT_POLICY,
    fields: ScopeFields = CONTENT_FIELDS,
) -> None:
    """Refuse to create ``target`` visible beyond its city unless ``by`` may publish there:
    sharing something new with the network or the public is publishing, as widening is."""
    if Visibility(visibility).breadth > Visibility.CITY.breadth:
        check(by, Action.PUBLISH, target, policy, fields)


def apply_changes(
    by: Any,
    obj: Any,
    changes: dict[str, Any],
    policy: Policy,
    fields: ScopeFields = CONTENT_FIELDS,
) -> dict[str, list[str]]:
    """Check, apply, validate and save ``changes``; return them as [before, after] pairs
    for the audit log. Changing who sees the object is publishing, which may need more."""
    check(by, Action.EDIT, obj, policy, fields)
    if "visibility" in changes and changes["visibility"] != obj.visibility:
        check(by, Action.PUBLISH, obj, policy, fields)
    before = {key: getattr(obj, key) for key in changes}
    # full_clean lets None through a blank field that may not be null (the database would not).
    nulls = {
        key: field.error_messages["null"]
        for key, value in changes.items()
        if value is None and (field := _field(obj, key)) is not None and not field.null
    }
    if nulls:
        raise ValidationError(nulls)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return changed_values(before, changes)


def _field(obj: Any, name: str) -> Any:
    try:
        return obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {
        key: [str(before[key]), str(after[key])]
        for key in after
        if key in before and before[key] != after[key]
    }
