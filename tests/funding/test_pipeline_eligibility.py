"""The pure eligibility rules (funding/catalogue/eligibility.py), one test per rule of its
docstring and of docs/funding.md's table: no database."""

from __future__ import annotations

import pytest

from civiclab.funding.catalogue.eligibility import (
    APPLIES_AS,
    NOT_LISTED,
    NOT_STATED,
    PARTNER,
    PASS_THROUGH,
    READ_TEXT,
    STATE_AMONG,
    STATE_TOO,
    Partner,
    Profile,
    Status,
    all_templates,
    assess,
    profile_codes,
)

CITY = Profile()
WITH_PARTNERS = Profile(
    partners=(Partner("Detroit Land Bank Authority", "12"), Partner("Housing Commission", "08"))
)


def templates(result) -> list[str]:
    return [reason.template for reason in result.reasons]


def test_a_city_is_eligible_where_cities_are_listed() -> None:
    """GIVEN an opportunity open to cities (02) and counties WHEN a city assesses it THEN it is
    eligible, because the city applies as 02 (the reason names the type and code)."""
    result = assess(["01", "02"], CITY)
    assert result.status is Status.ELIGIBLE
    assert templates(result) == [APPLIES_AS]
    assert result.reasons[0].fields["code"] == "02"
    assert "City or township governments" in result.reasons[0].english()


def test_a_consolidated_city_county_is_eligible_as_a_county() -> None:
    result = assess(["01"], Profile(codes=("02", "01")))
    assert result.status is Status.ELIGIBLE
    assert [r.fields["code"] for r in result.reasons] == ["01"]


def test_a_code_without_its_zero_is_read_as_the_code() -> None:
    assert assess(["2"], CITY).status is Status.ELIGIBLE


def test_a_partners_type_is_possible_with_that_partner() -> None:
    """GIVEN an opportunity for nonprofits (12) WHEN a city with a nonprofit partner assesses
    it THEN it is possible (never a plain yes), and the reason names the partner."""
    result = assess(["12"], WITH_PARTNERS)
    assert result.status is Status.POSSIBLE
    assert templates(result) == [PARTNER]
    assert "Detroit Land Bank Authority" in result.reasons[0].english()


def test_a_partners_type_without_the_partner_is_not_eligible() -> None:
    assert assess(["12"], CITY).status is Status.INELIGIBLE


def test_only_the_state_is_a_possible_pass_through() -> None:
    result = assess(["00"], CITY)
    assert result.status is Status.POSSIBLE
    assert templates(result) == [PASS_THROUGH]


def test_the_state_among_others_is_not_called_the_only_one() -> None:
    """GIVEN the state and nonprofits (00, 12) and no nonprofit partner THEN possible through
    the state, and the reason does not say "only state governments" (12 is listed too)."""
    result = assess(["00", "12"], CITY)
    assert result.status is Status.POSSIBLE
    assert templates(result) == [STATE_AMONG]
    assert "Only" not in result.reasons[0].english()


def test_the_state_as_well_as_a_partner() -> None:
    result = assess(["00", "12"], WITH_PARTNERS)
    assert result.status is Status.POSSIBLE
    assert templates(result) == [PARTNER, STATE_TOO]


def test_the_state_and_read_the_text_do_not_say_only_the_state() -> None:
    result = assess(["00", "25"], CITY)
    assert templates(result) == [READ_TEXT, STATE_TOO]


@pytest.mark.parametrize("code", ["25", "99"])
def test_others_and_unrestricted_send_the_reader_to_the_text(code: str) -> None:
    """GIVEN an opportunity listing 25 (others) or 99 (unrestricted) THEN it is possible,
    never eligible — even for a profile that claims that code itself."""
    for profile in (CITY, Profile(codes=("02", code)), Profile(partners=(Partner("X", code),))):
        result = assess([code], profile)
        assert result.status is Status.POSSIBLE
        assert templates(result) == [READ_TEXT]
        assert result.reasons[0].fields["code"] == code


def test_nothing_listed_is_possible_read_the_text() -> None:
    result = assess([], CITY)
    assert result.status is Status.POSSIBLE
    assert templates(result) == [NOT_STATED]


def test_ineligible_names_who_is_eligible_and_how_the_city_applies() -> None:
    result = assess(["21", "06"], CITY)
    assert result.status is Status.INELIGIBLE
    assert templates(result) == [NOT_LISTED]
    text = result.reasons[0].english()
    assert "Individuals (21)" in text
    assert "Public and State controlled institutions of higher education (06)" in text
    assert "City or township governments (02)" in text


def test_a_profile_without_codes_says_so() -> None:
    result = assess(["21"], Profile(codes=()))
    assert result.reasons[0].fields["own"] == "—"


def test_a_state_partner_is_not_repeated_as_a_pass_through() -> None:
    result = assess(["00"], Profile(partners=(Partner("State DOT", "00"),)))
    assert templates(result) == [PARTNER]


def test_eligible_beats_the_other_rules() -> None:
    result = assess(["00", "02", "12", "99"], WITH_PARTNERS)
    assert result.status is Status.ELIGIBLE
    assert templates(result) == [APPLIES_AS]


def test_ranks() -> None:
    assert Status.ELIGIBLE.rank > Status.POSSIBLE.rank > Status.INELIGIBLE.rank


def test_profile_codes_are_the_masks_of_the_two_answers() -> None:
    eligible, possible = profile_codes(WITH_PARTNERS)
    assert eligible == {"02"}
    assert possible == {"00", "08", "12", "25", "99"}
    eligible, possible = profile_codes(Profile(codes=("02", "99")))
    assert eligible == {"02"} and "99" in possible


def test_every_template_is_listed_for_translation() -> None:
    assert STATE_AMONG in all_templates()
    assert len(set(all_templates())) == 9


def test_a_fund_for_another_countrys_applicants_is_not_eligible() -> None:
    """GIVEN a French commune (city government, 02, in FR) WHEN a US federal grant lists city
    governments THEN it is not eligible, and the reason names both countries; the same codes
    in its own country are eligible, and an unknown country is not checked."""
    paris = Profile(codes=("02",), country="FR")
    result = assess(["02"], paris, "US")
    assert result.status is Status.INELIGIBLE
    assert result.reasons[0].english() == ("This fund is for applicants in US; your city is in FR.")
    assert assess(["02"], paris, "fr").status is Status.ELIGIBLE
    assert assess(["02"], Profile(codes=("02",)), "US").status is Status.ELIGIBLE
    assert assess(["02"], paris, "").status is Status.ELIGIBLE
