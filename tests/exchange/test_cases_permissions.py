"""Who may write, edit and publish a case; who sees a draft, a network case, a public one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civiclab.audit.labels import action_label, kind_label
from civiclab.audit.models import AuditEvent
from civiclab.exchange import kinds
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.queries.cases import library_cases, visible_cases
from civiclab.exchange.services import cases as services
from tests.clients import as_user, body
from tests.exchange.cases_helpers import quick_case
from tests.portfolio import factories as pf
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db


def _solution(world: World, team=None, visibility: str = "network"):
    challenge = pf.challenge(world.city, visibility=visibility, team=team)
    return pf.solution(challenge, visibility=visibility, description="Owner tracing.")


WRITERS = {"member", "team_member", "other_team_member", "city_admin", "network_admin"}
PUBLISHERS = {"city_admin", "network_admin"}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_write_a_case(world: World, actor: str) -> None:
    solution = _solution(world)
    user = world.user(actor) or AnonymousUser()
    if actor in WRITERS:
        case = services.generate_case(user, solution)
        assert case.pk
    else:
        with pytest.raises(PermissionDenied):
            services.generate_case(user, solution)


def test_a_team_solution_is_its_teams(world: World) -> None:
    solution = _solution(world, team=world.team, visibility="team")
    with pytest.raises(PermissionDenied):
        services.generate_case(world.user("other_team_member"), solution)
    case = services.generate_case(world.user("team_member"), solution)
    assert case.team == world.team
    # A team's draft: its team and the city's admins, not another team of the city.
    assert not visible_cases(world.user("other_team_member")).filter(pk=case.pk).exists()
    assert visible_cases(world.user("city_admin")).filter(pk=case.pk).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_edit_and_publish(world: World, actor: str) -> None:
    case = services.generate_case(world.user("member"), _solution(world))
    user = world.user(actor) or AnonymousUser()
    if actor in WRITERS:
        services.update_case(user, case, lessons_fr="Commencer petit.")
    else:
        with pytest.raises(PermissionDenied):
            services.update_case(user, case, lessons_fr="Commencer petit.")
    if actor in PUBLISHERS:
        services.publish_case(user, case)
        assert CaseStudy.objects.get(pk=case.pk).state == "published"
    else:
        with pytest.raises(PermissionDenied):
            services.publish_case(user, case)


def test_a_published_cases_visibility_is_changed_by_publishers(world: World) -> None:
    case = services.generate_case(world.user("member"), _solution(world))
    # A draft's audience is the team's to choose: nothing is shared yet.
    services.update_case(world.user("member"), case, visibility="public")
    services.update_case(world.user("member"), case, visibility="network")
    case = services.publish_case(world.user("city_admin"), case)
    with pytest.raises(PermissionDenied):
        services.update_case(world.user("member"), case, visibility="public")
    services.update_case(world.user("city_admin"), case, visibility="public")
    assert CaseStudy.objects.get(pk=case.pk).visibility == "public"


def test_bad_edits_are_refused_clearly(world: World) -> None:
    case = services.generate_case(world.user("member"), _solution(world))
    with pytest.raises(ValidationError, match="network or the public"):
        services.update_case(world.user("member"), case, visibility="city")
    with pytest.raises(ValidationError, match="At most 200 characters"):
        services.update_case(world.user("member"), case, title_en="x" * 201)
    with pytest.raises(ValidationError, match="cannot be changed: cost"):
        services.update_case(world.user("member"), case, cost=1)
    with pytest.raises(ValidationError, match="network or the public"):
        services.generate_case(world.user("member"), _solution(world), visibility="team")
    services.update_case(world.user("member"), case, title_en="")
    with pytest.raises(ValidationError, match="needs a title"):
        services.publish_case(world.user("city_admin"), case)
    services.update_case(world.user("member"), case, title_fr="Brigade")
    services.publish_case(world.user("city_admin"), case)
    with pytest.raises(services.CaseConflict):
        services.publish_case(world.user("city_admin"), case)


def test_visibility_of_drafts_network_and_public_cases(world: World) -> None:
    draft = quick_case(world.city, state="draft")
    network = quick_case(world.city, visibility="network")
    public = quick_case(world.city, visibility="public")
    seen = {
        actor: set(visible_cases(world.user(actor)).values_list("pk", flat=True))
        for actor in ACTORS
    }
    assert seen["anonymous"] == {public.pk}
    assert seen["no_membership"] == {public.pk}
    assert seen["other_network_admin"] == {public.pk}
    assert seen["other_city_admin"] == {network.pk, public.pk}
    for actor in ("viewer", "member", "city_admin", "network_admin"):
        assert seen[actor] == {draft.pk, network.pk, public.pk}
    # The library lists published cases only, even to the draft's own city.
    assert set(library_cases(world.user("member")).values_list("pk", flat=True)) == {
        network.pk,
        public.pk,
    }
    # The kinds registry reads the same rule.
    assert kinds.visible_ids("case", world.user("other_city_admin"), [draft.pk, network.pk]) == {
        network.pk
    }
    assert kinds.visible_object("case", None, network.pk) is None


def test_pages_answer_by_permission(world: World) -> None:
    solution = _solution(world)
    draft = services.generate_case(world.user("member"), solution)
    assert as_user(None).get(f"/exchange/cases/{draft.pk}/").status_code == 404
    assert (
        as_user(world.user("other_city_admin")).get(f"/exchange/cases/{draft.pk}/").status_code
        == 404
    )
    assert as_user(world.user("viewer")).get(f"/exchange/cases/{draft.pk}/edit/").status_code == 403
    assert (
        as_user(world.user("member")).post(f"/exchange/cases/{draft.pk}/publish/").status_code
        == 403
    )
    new = as_user(world.user("member")).get(f"/exchange/solutions/{solution.pk}/case/")
    assert new.status_code == 200
    assert (
        as_user(world.user("other_city_admin"))
        .get(f"/exchange/solutions/{solution.pk}/case/")
        .status_code
        == 403
    )
    made = as_user(world.user("member")).post(
        f"/exchange/solutions/{solution.pk}/case/", {"visibility": "public"}
    )
    assert made.status_code == 302
    created = CaseStudy.objects.latest("pk")
    edited = as_user(world.user("member")).post(
        f"/exchange/cases/{created.pk}/edit/",
        {"title_en": "Owner tracing", "title_fr": "Recherche des propriétaires",
         "problem_en": "", "problem_fr": "", "approach_en": "", "approach_fr": "",
         "lessons_en": "", "lessons_fr": "", "contacts": "", "visibility": "public"},
    )  # fmt: skip
    assert edited.status_code == 302
    published = as_user(world.user("city_admin")).post(f"/exchange/cases/{created.pk}/publish/")
    assert published.status_code == 302
    page = body(as_user(None).get(f"/exchange/cases/{created.pk}/"))
    assert "Owner tracing" in page
    solution_page = body(
        as_user(world.user("member")).get(reverse("portfolio:solution", args=(solution.pk,)))
    )
    assert "Write a case study" in solution_page and "Owner tracing" in solution_page


def test_audit_actions_have_french_labels(world: World) -> None:
    case = services.generate_case(world.user("member"), _solution(world))
    services.update_case(world.user("member"), case, lessons_en="Start small.")
    services.publish_case(world.user("city_admin"), case)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["case.create", "case.update", "case.publish"]
    from django.utils import translation

    with translation.override("fr"):
        assert kind_label("case.publish") == "Étude de cas"
        assert action_label("case.publish") == "Publication"
