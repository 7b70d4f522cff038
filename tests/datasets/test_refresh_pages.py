"""Binding a dataset to a source and refreshing it from the pages, the API and the command
line, against a local HTTP server serving a real 311 file."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from civiclab.datasets import refresh
from civiclab.datasets.models import Dataset, DataSource, ImportJob
from tests.clients import as_user, body
from tests.datasets.remote_server import NYC_311_CSV, Served, serve
from tests.datasets.test_refresh import imported
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db
BASE = "/api/v1/cities/city-a/datasets"


@pytest.fixture(autouse=True)
def _local_sources(settings: Any) -> None:
    settings.REFRESH_ALLOW_PRIVATE_HOSTS = True
    settings.REFRESH_TIMEOUT_SECONDS = 5


def _page(dataset: Dataset, tail: str = "") -> str:
    return f"/cities/{dataset.city.slug}/data/{dataset.slug}/{tail}"


def test_api_binds_reads_refreshes_and_unbinds(world: World, tmp_path: Any) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    member, viewer = world.user("member"), world.user("viewer")
    url = f"{BASE}/{dataset.slug}/source"
    client = Client()
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        payload = {"kind": "csv", "url": f"{base}/311.csv", "schedule": "daily"}
        put = client.put(
            url, json.dumps(payload), content_type="application/json", **api_headers(member)
        )
        assert put.status_code == 200, put.content
        assert put.json()["schedule"] == "daily" and put.json()["consecutive_failures"] == 0
        # Its address may hold a token: readers of the dataset do not see the source.
        assert client.get(url, **api_headers(viewer)).status_code == 403
        assert client.get(url, **api_headers(member)).json()["url"] == f"{base}/311.csv"
        done = client.post(f"{url}/refresh", **api_headers(member))
    assert done.status_code == 202 and done.json()["state"] == "done"
    assert done.json()["version"] == 2
    wrong = client.put(
        url,
        json.dumps({"kind": "csv", "url": "ftp://example.org/x"}),
        content_type="application/json",
        **api_headers(member),
    )
    assert wrong.status_code == 422
    extra = client.put(
        url,
        json.dumps({**payload, "token": "x"}),
        content_type="application/json",
        **api_headers(member),
    )
    assert extra.status_code == 422
    assert client.delete(url, **api_headers(viewer)).status_code == 403
    assert client.delete(url, **api_headers(member)).status_code == 204
    assert client.get(url, **api_headers(member)).status_code == 404


def test_source_page_binds_and_refresh_now_runs_a_job(world: World, tmp_path: Any) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    client = as_user(world.user("member"))
    page = body(client.get(_page(dataset)))
    assert "Refresh from a source" in page
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        response = client.post(
            _page(dataset, "source/"),
            {
                "kind": "csv",
                "url": f"{base}/311.csv?$$app_token=secret",
                "mode": "replace",
                "schedule": "weekly",
                "enabled": "on",
                "max_bad_rows": "0",
            },
        )
        assert response.status_code == 302
        response = client.post(_page(dataset, "source/refresh/"))
    job = ImportJob.objects.get(source__dataset=dataset)
    assert response.status_code == 302 and response["Location"] == f"/data/jobs/{job.pk}/"
    assert job.state == ImportJob.State.DONE
    page = body(client.get(_page(dataset, "source/")))
    assert "Refresh now" in page and "Weekly" in page
    detail = body(client.get(_page(dataset)))
    assert "Refreshes itself" in detail and f"{base}/311.csv" in detail
    assert "secret" not in detail


def test_source_page_shows_errors_and_is_for_editors(world: World, tmp_path: Any) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    assert as_user(world.user("viewer")).get(_page(dataset, "source/")).status_code == 403
    client = as_user(world.user("member"))
    response = client.post(
        _page(dataset, "source/"),
        {"kind": "csv", "url": "file:///etc/passwd", "mode": "upsert", "schedule": "off",
         "max_bad_rows": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    page = body(response)
    assert "http:// or https://" in page and "key column" in page
    assert not DataSource.objects.filter(dataset=dataset).exists()


def test_command_line_binds_and_refreshes(world: World, tmp_path: Any) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    out = io.StringIO()
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        call_command(
            "datasets", "bind", dataset.slug, "--city", "city-a", "--kind", "csv",
            "--url", f"{base}/311.csv", "--schedule", "daily", stdout=out,
        )  # fmt: skip
        call_command("datasets", "refresh", dataset.slug, "--city", "city-a", "--json",
                     stdout=out)  # fmt: skip
    result = json.loads(out.getvalue().splitlines()[-1])
    assert result["state"] == "done" and result["version"] == 2
    source = refresh.source_of(dataset)
    assert source is not None and source.bound_by is None
    with pytest.raises(CommandError, match="the refresh failed"):
        call_command("datasets", "refresh", dataset.slug, "--city", "city-a", stdout=out)
    call_command("datasets", "unbind", dataset.slug, "--city", "city-a", stdout=out)
    assert refresh.source_of(dataset) is None
