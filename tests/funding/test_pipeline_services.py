"""The application pipeline's services: creation, edits, transitions, the checklist, links,
visibility and the audit log; the city's funding profile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.funding.catalogue.eligibility import Partner, Profile
from civiclab.funding.models import ApplicationStatusChange, FundingProfile
from civiclab.funding.queries.profile import profile_for
from civiclab.funding.services import pipeline
from civiclab.network.models import Network
from tests.funding import pipeline_factories as make
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


# -- the profile --------------------------------------------------------------------------------
def test_a_city_without_a_profile_applies_as_a_city(world: World) -> None:
    assert profile_for(world.city) == Profile(codes=("02",), country=world.city.country)


def test_the_city_admin_sets_the_profile(world: World) -> None:
    """GIVEN city A's admin WHEN they set A's profile THEN profile_for reads it back, with the
    partners as eligibility partners, and the change is audited."""
    pipeline.set_profile(
        world.user("city_admin"),
        world.city,
        ["02", "01"],
        [{"name": " Land Bank ", "code": "12"}],
        dt.date(2027, 5, 1),
    )
    assert profile_for(world.city) == Profile(
        codes=("02", "01"), partners=(Partner("Land Bank", "12"),), country=world.city.country
    )
    event = AuditEvent.objects.get(action="fundingprofile.update")
    assert event.city == world.city
    assert event.details["changes"]["applicant_codes"] == ["[]", "['02', '01']"]


@pytest.mark.parametrize("actor", ["member", "viewer", "other_city_admin", "other_network_admin"])
def test_only_admins_set_the_profile(world: World, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        pipeline.set_profile(world.user(actor), world.city, ["02"])
    assert not FundingProfile.objects.exists()


def test_the_network_admin_sets_the_profile(world: World) -> None:
    pipeline.set_profile(world.user("network_admin"), world.city, ["01"])
    assert profile_for(world.city).codes == ("01",)


@pytest.mark.parametrize(
    ("codes", "partners", "field", "words"),
    [
        ([], [], "applicant_codes", "at least one"),
        (["03"], [], "applicant_codes", "'03' is not an applicant type"),
        (["99"], [], "applicant_codes", "sends the reader"),
        (["02"], [{"name": "", "code": "12"}], "partners", "no name"),
        (["02"], [{"name": "x" * 201, "code": "12"}], "partners", "longer than 200"),
        (["02"], [{"name": "Land bank", "code": "7"}], "partners", "not an applicant type"),
        (["02"], [{"name": f"P{i}", "code": "12"} for i in range(51)], "partners", "At most 50"),
        (["02"], "Land bank", "partners", "a list"),
    ],
)
def test_a_bad_profile_is_refused_and_nothing_saved(
    world: World, codes: list[str], partners: object, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        pipeline.set_profile(world.user("city_admin"), world.city, codes, partners)
    assert words in " ".join(refused.value.message_dict[field])
    assert not FundingProfile.objects.exists()
    assert not AuditEvent.objects.filter(action="fundingprofile.update").exists()


def test_fifty_partners_of_200_characters_are_accepted(world: World) -> None:
    partners = [{"name": f"{i:03}" + "x" * 197, "code": "12"} for i in range(50)]
    pipeline.set_profile(world.user("city_admin"), world.city, ["02"], partners)
    assert len(profile_for(world.city).partners) == 50


# -- creating -----------------------------------------------------------------------------------
def test_an_application_from_an_opportunity_takes_its_title_and_deadline(world: World) -> None:
    """GIVEN an opportunity closing on 1 March WHEN a member of A starts an application THEN
    its title and deadline are the opportunity's, it is a prospect private to the city, its
    owner is the member, its first status is recorded, and it is audited."""
    opportunity = make.opportunity()
    member = world.user("member")
    application = pipeline.create_application(member, world.city, opportunity=opportunity)
    assert application.title == opportunity.title
    assert application.deadline == dt.date(2027, 3, 1)
    assert (application.status, application.visibility) == ("prospect", "city")
    assert application.owner == member
    assert [c.to_status for c in application.status_changes.all()] == ["prospect"]
    assert AuditEvent.objects.filter(
        action="application.create", object_id=str(application.pk)
    ).exists()


def test_a_fund_outside_the_catalogue_needs_its_funder_and_title(world: World) -> None:
    member = world.user("member")
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(member, world.city, title="State blight fund")
    assert "funder" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(member, world.city, funder="Kresge Foundation")
    assert "title" in refused.value.message_dict
    made = pipeline.create_application(
        member, world.city, title="Kresge blight", funder="Kresge Foundation"
    )
    assert made.opportunity is None and made.deadline is None


@pytest.mark.parametrize("actor", ["viewer", "other_city_admin", "no_membership"])
def test_only_members_of_the_city_create(world: World, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        pipeline.create_application(world.user(actor), world.city, title="X", funder="Y")


def test_a_member_may_not_share_with_the_network(world: World) -> None:
    """Sharing beyond the city is publishing: a member may not, the city admin may."""
    with pytest.raises(PermissionDenied):
        pipeline.create_application(
            world.user("member"), world.city, title="X", funder="Y", visibility="network"
        )
    made = pipeline.create_application(
        world.user("city_admin"), world.city, title="X", funder="Y", visibility="network"
    )
    with pytest.raises(PermissionDenied):
        pipeline.update_application(world.user("member"), made, {"visibility": "public"})


def test_a_team_application_needs_its_team(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(
            world.user("city_admin"), world.city, title="X", funder="Y", visibility="team"
        )
    assert "team" in refused.value.message_dict


def test_a_manual_fund_of_another_network_cannot_be_applied_to(world: World) -> None:
    other = Network.objects.create(name="Other", slug="other")
    fund = make.opportunity(source="manual", network=other)
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(world.user("member"), world.city, opportunity=fund)
    assert "opportunity" in refused.value.message_dict


def test_amounts_are_not_negative(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(
            world.user("member"), world.city, title="X", funder="Y", amount_requested=-1
        )
    assert "negative" in " ".join(refused.value.message_dict["amount_requested"])


def test_a_new_application_has_no_award(world: World) -> None:
    with pytest.raises(ValidationError):
        pipeline.create_application(
            world.user("member"), world.city, title="X", funder="Y", amount_awarded=5
        )


# -- links --------------------------------------------------------------------------------------
def test_links_are_the_citys_and_visible_to_the_actor(world: World) -> None:
    """GIVEN a challenge of city B, and a team-T-only challenge of A WHEN a member of A
    (outside T) links either THEN refused; a challenge of A they see is linked, with its
    solution and that solution's milestones only."""
    member = world.user("member")
    foreign = factories.challenge(world.other_city)
    hidden = factories.challenge(world.city, visibility="team", team=world.team)
    for challenge in (foreign, hidden):
        with pytest.raises(ValidationError) as refused:
            pipeline.create_application(
                member, world.city, title="X", funder="Y", challenge=challenge
            )
        assert "challenge" in refused.value.message_dict
    challenge = factories.challenge(world.city)
    solution = factories.solution(challenge)
    other_solution = factories.solution(challenge, title="Other")
    milestone = factories.milestone(solution)
    stranger = factories.milestone(other_solution)
    made = pipeline.create_application(
        member,
        world.city,
        title="X",
        funder="Y",
        challenge=challenge,
        solution=solution,
        milestones=[milestone],
    )
    assert list(made.milestones.all()) == [milestone]
    with pytest.raises(ValidationError) as refused:
        pipeline.update_application(member, made, {}, milestones=[stranger])
    assert "milestones" in refused.value.message_dict
    pipeline.update_application(member, made, {"solution": other_solution})
    assert list(made.milestones.all()) == []


def test_a_solution_of_another_challenge_is_refused(world: World) -> None:
    one, two = factories.challenge(world.city), factories.challenge(world.city)
    with pytest.raises(ValidationError) as refused:
        pipeline.create_application(
            world.user("member"),
            world.city,
            title="X",
            funder="Y",
            challenge=one,
            solution=factories.solution(two),
        )
    assert "solution" in refused.value.message_dict


# -- status -------------------------------------------------------------------------------------
@pytest.fixture
def submitted(world: World):
    member = world.user("member")
    made = pipeline.create_application(
        member, world.city, title="X", funder="Y", amount_requested=Decimal(500_000)
    )
    pipeline.change_status(member, made, "submitted", on=dt.date(2026, 12, 1))
    return made


def test_a_transition_outside_the_table_is_refused_in_words(world: World) -> None:
    """GIVEN a prospect WHEN it is marked awarded THEN refused (409), the message naming the
    statuses it may become, and nothing recorded."""
    made = make.application(world.city)
    with pytest.raises(pipeline.TransitionRefused) as refused:
        pipeline.change_status(world.user("member"), made, "awarded", amount_awarded=Decimal(1))
    assert refused.value.status == 409
    assert str(refused.value) == (
        "An application that is prospect cannot become awarded; it may become: drafting, "
        "submitted, withdrawn."
    )
    made.refresh_from_db()
    assert made.status == "prospect" and made.amount_awarded is None
    assert made.status_changes.count() == 1


def test_the_same_status_and_unknown_statuses_are_refused(world: World) -> None:
    made = make.application(world.city)
    with pytest.raises(pipeline.TransitionRefused, match="already prospect"):
        pipeline.change_status(world.user("member"), made, "prospect")
    with pytest.raises(ValidationError):
        pipeline.change_status(world.user("member"), made, "won")


def test_submitting_sets_its_date(world: World, submitted) -> None:
    assert submitted.submitted_on == dt.date(2026, 12, 1)
    assert submitted.decided_on is None


def test_an_award_needs_its_amount(world: World, submitted) -> None:
    member = world.user("member")
    with pytest.raises(ValidationError) as refused:
        pipeline.change_status(member, submitted, "awarded")
    assert "amount_awarded" in refused.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    with pytest.raises(ValidationError):
        pipeline.change_status(member, submitted, "awarded", amount_awarded=Decimal(-5))
    pipeline.change_status(
        member,
        submitted,
        "awarded",
        amount_awarded=Decimal(400_000),
        on=dt.date(2027, 2, 1),
        note="Awarded in full",
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.amount_awarded) == ("awarded", Decimal(400_000))
    assert submitted.decided_on == dt.date(2027, 2, 1)
    history = list(submitted.status_changes.values_list("from_status", "to_status", "note"))
    assert history == [
        ("", "prospect", ""),
        ("prospect", "submitted", ""),
        ("submitted", "awarded", "Awarded in full"),
    ]
    assert AuditEvent.objects.filter(action="application.status").count() == 2
    with pytest.raises(ValidationError):
        pipeline.update_application(member, submitted, {"amount_awarded": None})


def test_a_viewer_may_not_move_an_application(world: World, submitted) -> None:
    with pytest.raises(PermissionDenied):
        pipeline.change_status(world.user("viewer"), submitted, "withdrawn")
    assert ApplicationStatusChange.objects.filter(application=submitted).count() == 2


def test_going_back_to_drafting_clears_the_dates(world: World, submitted) -> None:
    pipeline.change_status(world.user("member"), submitted, "drafting")
    submitted.refresh_from_db()
    assert submitted.submitted_on is None and submitted.decided_on is None


# -- checklist ----------------------------------------------------------------------------------
def test_the_checklist_takes_its_own_items_only(world: World) -> None:
    made = make.application(world.city)
    member = world.user("member")
    pipeline.set_checklist(member, made, "letters", True)
    assert pipeline.readiness(made) == (1, 5)
    with pytest.raises(ValidationError) as refused:
        pipeline.set_checklist(member, made, "bribes", True)
    assert "'bribes' is not a readiness item" in refused.value.messages[0]
    pipeline.set_checklist(member, made, "letters", False)
    made.refresh_from_db()
    assert made.checklist == {"letters": False}
    assert AuditEvent.objects.filter(action="application.checklist").count() == 2
    with pytest.raises(PermissionDenied):
        pipeline.set_checklist(world.user("viewer"), made, "letters", True)


def test_unknown_fields_are_refused(world: World) -> None:
    made = make.application(world.city)
    with pytest.raises(ValidationError) as refused:
        pipeline.update_application(world.user("member"), made, {"status": "awarded"})
    assert "status" in refused.value.message_dict


def test_a_stale_copy_reads_the_current_status(world: World) -> None:
    """GIVEN two people holding the same prospect WHEN one submits it THEN the other's submit
    is refused as already done, not recorded twice."""
    made = make.application(world.city)
    stale = type(made).objects.get(pk=made.pk)
    pipeline.change_status(world.user("member"), made, "submitted")
    with pytest.raises(pipeline.TransitionRefused, match="already submitted"):
        pipeline.change_status(world.user("city_admin"), stale, "submitted")
    assert made.status_changes.filter(to_status="submitted").count() == 1
