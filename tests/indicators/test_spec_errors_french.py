"""An indicator spec's problems — pydantic's and the compiler's — reach a French reader in
French, on the builder and in the API (issue 10.23)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from civiclab.datasets import services as datasets
from civiclab.indicators import compile as compile_module
from civiclab.indicators import spec as spec_module
from civiclab.indicators.problems import translated_problems
from civiclab.indicators.spec import SpecError, parse_spec
from tests.clients import as_user, body
from tests.datasets.helpers import REAL
from tests.permission_matrix import api_headers
from tests.world import World

NYC = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
TEMPLATES = [
    compile_module.NO_COLUMN,
    compile_module.WRONG_KIND,
    compile_module.NO_POPULATION,
    compile_module.NESTED,
    compile_module.TIME_VALUE_PROBLEM,
    *spec_module.RULES.values(),
    *spec_module.PYDANTIC_TEMPLATES.values(),
]


def test_every_problem_template_has_a_french_translation() -> None:
    with translation.override("fr"):
        missing = [t for t in TEMPLATES if translation.gettext(t) == t]
    assert missing == []


@pytest.mark.parametrize(
    ("document", "english", "french"),
    [
        ({"measure": {"type": "median"}}, "Field required", "Champ obligatoire"),
        ({"measure": {"type": "count"}, "colour": 1}, "Extra inputs", "Champ inconnu"),
        ({"measure": {"type": "count"}, "filters": [{"column": "a", "op": "is null",
                                                       "value": 3}]},
         "'is null' takes no value", "'is null' ne prend pas de valeur"),
        ({"measure": {"type": "percentile", "column": "a", "p": 200}},
         "less than 100", "inférieure à 100"),
    ],
)  # fmt: skip
def test_pydantic_problems_are_translated(document: dict, english: str, french: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({"dataset": "x", **document})
    with translation.override("en"):
        assert english in translated_problems(caught.value)[0][1]
    assert english in str(caught.value)  # the English message is pydantic's own
    with translation.override("fr"):
        assert french in translated_problems(caught.value)[0][1]


@pytest.mark.django_db
def test_api_and_builder_speak_french(world: World) -> None:
    """GIVEN a French request WHEN a spec names a column the dataset lacks THEN the API's 422
    and the builder's field error say so in French."""
    datasets.import_file(None, world.city, "311", NYC, NYC.name, datasets.ImportOptions())
    answer = Client().post(
        f"/api/v1/cities/{world.city.slug}/indicators/evaluate",
        json.dumps({"spec": {"dataset": "311", "measure": {"type": "sum", "column": "Nope"}}}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
        **api_headers(world.user("member")),
    )
    assert answer.status_code == 422
    messages = [d["message"] for d in answer.json()["error"]["details"]]
    assert "measure.column: le jeu de données n’a pas de colonne 'Nope'" in messages
    member = world.user("member")
    member.language = "fr"
    member.save()
    spec = {"measure": {"type": "sum", "column": "Nope"}, "time": {"column": "Created Date"}}
    page = as_user(member).post(
        f"/cities/{world.city.slug}/indicators/new/",
        {"dataset": "311", "name": "Essai", "measure": "count", "stat": "median",
         "unit": "hours", "period": "month", "polarity": "lower_is_better",
         "visibility": "city", "spec_json": json.dumps(spec)},
    )  # fmt: skip
    html = body(page)
    assert "le jeu de données n’a pas de colonne" in html.replace("&#x27;", "'")
