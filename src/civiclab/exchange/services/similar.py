""" "Look elsewhere first": the passages kept up to date (in the worker), and dismissals.

``refresh_passages`` is the worker's work when an object changes (``tasks.refresh_similar``,
queued by the portfolio's save and delete signals) and ``reembed`` the operator's
(``civiclab exchange reembed``): derived data, written by the system, not audited. A
dismissal is a team's decision: checked (editing the challenge the panel is about),
validated, audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.services import check
from civiclab.exchange import kinds
from civiclab.exchange.models import Passage, SimilarDismissal
from civiclab.exchange.queries.similar import (
    SOURCES,
    city_of,
    forget_index,
    language_of,
    source_model,
)
from civiclab.exchange.similarity import embedder as embedding_model
from civiclab.exchange.similarity.ranking import vector_bytes
from civiclab.exchange.similarity.text import content_terms, stored_terms
from civiclab.portfolio.models import Challenge, Idea, scope

# reembed embeds this many passages per call to the model (its batch runs them in parallel
# only when it has threads; with one, batching still saves the per-call overhead).
BATCH = 32


@dataclass
class Refreshed:
    """What a refresh did: passages written, embedded (the model ran), removed."""

    written: int = 0
    embedded: int = 0
    removed: int = 0

    def add(self, other: Refreshed) -> None:
        self.written += other.written
        self.embedded += other.embedded
        self.removed += other.removed


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_passages(kind: str, pk: int, *, force: bool = False) -> Refreshed:
    """Bring the passages of object ``pk`` of ``kind`` up to date with it: written for each of
    its texts, embedded when the text (or the model) changed or ``force``; removed when the
    object (or one of its languages) is gone."""
    done = Refreshed()
    if kind not in SOURCES:
        return done
    obj = source_model(kind)._default_manager.filter(pk=pk).first()
    current = Passage.objects.filter(kind=kind, object_id=pk)
    if obj is None:
        done.removed = _empty(current)
        if done.removed:
            forget_index()
        return done
    model = embedding_model.embedder()
    texts: dict[str, str] = {}
    for language, text in SOURCES[kind].texts(obj):
        if text.strip():
            texts.setdefault(language_of(language, text), text)
    done.removed = _empty(current.exclude(language__in=list(texts)))
    existing = {p.language: p for p in current.filter(language__in=list(texts))}
    pending: list[Passage] = []
    for language, text in texts.items():
        passage = existing.get(language) or Passage(kind=kind, object_id=pk, language=language)
        digest = _hash(text)
        stale = (
            force
            or passage.text_hash != digest
            or passage.embedding is None
            or (model is not None and (model.name, model.version) != passage.model_key)
        )
        if not stale:
            continue
        passage.city_id = city_of(kind, obj)
        passage.text, passage.text_hash = text, digest
        passage.terms = stored_terms(content_terms(text))
        pending.append(passage)
    _embed_and_save(pending, model)
    if pending or done.removed:
        forget_index()  # this process sees its own change at once (others within seconds)
    done.written = len(pending)
    done.embedded = len(pending) if model is not None else 0
    return done


def _empty(passages: Any) -> int:
    """Empty ``passages`` rather than delete them: the newest ``updated_at`` tells every
    process's cached index that something changed (queries.similar)."""
    return int(
        passages.exclude(text="").update(
            text="", text_hash="", terms="", embedding=None, updated_at=timezone.now()
        )
    )


def _embed_and_save(passages: list[Passage], model: embedding_model.Embedder | None) -> None:
    vectors = model.passages([p.text for p in passages]) if model and passages else None
    now = timezone.now()
    for number, passage in enumerate(passages):
        if vectors is not None and model is not None:
            passage.embedding = vector_bytes(vectors[number])
            passage.model_name, passage.model_version = model.name, model.version
        else:
            passage.embedding = None
            passage.model_name = passage.model_version = ""
        passage.updated_at = now
        passage.save()


def reembed(*, force: bool = True) -> dict[str, Any]:
    """Every object of every kind: its passages rewritten and embedded again (``force``), or
    only the stale ones; passages of objects that no longer exist removed. Returns counts per
    kind and the model used."""
    model = embedding_model.embedder()
    result: dict[str, Any] = {
        "model": f"{model.name} {model.version}" if model else None,
        "kinds": {},
    }
    for kind in SOURCES:
        done = Refreshed()
        ids = list(source_model(kind)._default_manager.values_list("pk", flat=True))
        gone = Passage.objects.filter(kind=kind).exclude(object_id__in=ids)
        done.removed += gone.exclude(text="").count()
        gone.delete()
        Passage.objects.filter(kind=kind, text="").delete()  # emptied languages
        forget_index()
        for pk in ids:
            done.add(refresh_passages(kind, pk, force=force))
        result["kinds"][kind] = {
            "objects": len(ids),
            "written": done.written,
            "embedded": done.embedded,
            "removed": done.removed,
        }
    return result


# --- dismissals ---------------------------------------------------------------------------------

DISMISSABLE_SOURCES = ("challenge", "idea")


def _source_challenge(by: Any, source_kind: str, source_id: int) -> tuple[Any, Challenge]:
    """The object a panel is about, and its challenge, checked: dismissing a match is editing
    that challenge (a reader who may not even see it learns nothing: the same refusal)."""
    if source_kind not in DISMISSABLE_SOURCES:
        raise ValidationError({"source_kind": "Matches are dismissed on a challenge or an idea."})
    obj = (
        kinds.visible_object(source_kind, by, source_id)
        if by is not None
        else source_model(source_kind)._default_manager.filter(pk=source_id).first()
    )
    if isinstance(obj, Challenge):
        challenge = obj
    elif isinstance(obj, Idea):
        challenge = obj.challenge
    else:
        raise ValidationError({"source_id": f"No such {source_kind}."})
    check(by, Action.EDIT, challenge, DEFAULT_POLICY, scope(Challenge))
    return obj, challenge


@transaction.atomic
def dismiss(
    by: Any, source_kind: str, source_id: int, match_kind: str, match_id: int
) -> SimilarDismissal:
    """Set ``match`` aside on the panel of ``source`` (again: nothing changes)."""
    _obj, challenge = _source_challenge(by, source_kind, source_id)
    if match_kind not in SOURCES or not SOURCES[match_kind].offered:
        raise ValidationError({"match_kind": f"{match_kind!r} is not a kind of match."})
    if by is not None and match_id not in kinds.visible_ids(match_kind, by, [match_id]):
        raise ValidationError({"match_id": f"No such {match_kind}."})
    dismissal, created = SimilarDismissal.objects.get_or_create(
        source_kind=source_kind,
        source_id=source_id,
        match_kind=match_kind,
        match_id=match_id,
        defaults={
            "city": challenge.city,
            "by": by if getattr(by, "is_authenticated", False) else None,
        },
    )
    if created:
        record(
            by,
            "similardismissal.create",
            dismissal,
            city=challenge.city,
            source=f"{source_kind}:{source_id}",
            match=f"{match_kind}:{match_id}",
        )
    return dismissal


@transaction.atomic
def restore(by: Any, dismissal: SimilarDismissal) -> None:
    """Show a dismissed match again."""
    _source_challenge(by, dismissal.source_kind, dismissal.source_id)
    record(
        by,
        "similardismissal.delete",
        dismissal,
        city=dismissal.city,
        source=f"{dismissal.source_kind}:{dismissal.source_id}",
        match=f"{dismissal.match_kind}:{dismissal.match_id}",
    )
    dismissal.delete()
