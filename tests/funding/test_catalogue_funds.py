"""Funds entered by hand: who may add and edit them, validation, history, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.funding.catalogue import applicants
from civiclab.funding.models import Opportunity, OpportunityChange
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.services.catalogue import create_fund, update_fund
from tests.world import ACTORS, World

FUND = {
    "title": "Fonds vert — renaturation des villes",
    "agency_name": "Ministère de la Transition écologique",
    "funder_type": "national",
    "country": "FR",
    "currency": "EUR",
    "applicant_codes": ["02", "12"],
    "activity_categories": ["ENV"],
    "close_date": dt.date(2030, 3, 31),
    "award_ceiling": 500_000,
}

MAY_ADD = {"city_admin", "other_city_admin", "network_admin"}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_who_may_add_a_fund(world: World, actor: str) -> None:
    user = world.user(actor)
    if actor in MAY_ADD:
        fund = create_fund(user, world.network, **FUND)
        assert fund.external_id == f"manual-{fund.pk}" and fund.source == "manual"
        assert fund.applicant_mask == applicants.mask_of(["02", "12"])
        assert fund.network == world.network and fund.created_by == user
    else:
        with pytest.raises(PermissionDenied):
            create_fund(user, world.network, **FUND)
        assert not Opportunity.objects.exists()


def test_fund_is_seen_by_its_network_only(world: World) -> None:
    fund = create_fund(world.user("city_admin"), world.network, **FUND)
    assert visible_opportunities(world.user("viewer")).filter(pk=fund.pk).exists()
    assert not visible_opportunities(world.user("other_network_admin")).filter(pk=fund.pk).exists()
    assert not visible_opportunities(None).filter(pk=fund.pk).exists()


def test_update_records_history_and_audit(world: World) -> None:
    fund = create_fund(world.user("city_admin"), world.network, **FUND)
    update_fund(world.user("network_admin"), fund, close_date=dt.date(2030, 6, 30),
                award_ceiling=750_000)  # fmt: skip
    kinds = set(OpportunityChange.objects.filter(opportunity=fund).values_list("kind", flat=True))
    assert kinds == {"created", "deadline_extended", "ceiling_changed"}
    event = AuditEvent.objects.filter(action="fund.update").latest("pk")
    assert event.details["changes"]["award_ceiling"] == ["500000", "750000"]
    with pytest.raises(PermissionDenied):
        update_fund(world.user("member"), fund, title="Mine now")
    with pytest.raises(PermissionDenied):
        update_fund(world.user("other_network_admin"), fund, title="Mine now")


def test_bad_values_are_refused(world: World) -> None:
    admin = world.user("network_admin")
    with pytest.raises(ValidationError):
        create_fund(admin, world.network, **(FUND | {"applicant_codes": ["42"]}))
    with pytest.raises(ValidationError):
        create_fund(admin, world.network, **(FUND | {"award_floor": 900_000}))
    with pytest.raises(ValidationError):
        create_fund(admin, world.network, **(FUND | {"award_ceiling": -1}))
    with pytest.raises(ValidationError):
        create_fund(admin, world.network, **(FUND | {"content_hash": "x"}))
    assert not Opportunity.objects.exists()


def test_grants_gov_opportunities_are_not_edited_by_hand(world: World) -> None:
    federal = Opportunity.objects.create(external_id="1", number="N", title="Federal")
    with pytest.raises(ValidationError):
        update_fund(world.user("network_admin"), federal, title="Changed")
