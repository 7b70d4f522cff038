"""An S3 protocol server on the machine for the object store's tests (moto's server mode), and
an installation whose datasets live in a bucket of it.

The server runs in the test process (a thread) on a free port of 18100–18199 and answers any
process that asks — ``civiclab serve`` started by a test included. Each test gets a bucket of
its own, read and written by the tests through boto3 (not through the code under test).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from civiclab.config import ObjectStoreLocation

PORTS = range(18100, 18200)
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
PREFIX = "installation"


def free_port(taken: set[int] | None = None) -> int:
    """A port of the range nothing listens on, other than those ``taken`` (picked already
    for processes that have not bound them yet); added to ``taken``."""
    taken = set() if taken is None else taken
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            taken.add(port)
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@pytest.fixture
def unanswered_endpoint() -> Iterator[str]:
    """An S3 endpoint nothing answers at for the whole test: a port held bound and never
    listened on. (A port merely free a moment before was taken in CI by the other suite's S3
    server, running at the same time, and "the store is down" met a store.)"""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server, for the whole session: its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    """A bucket of the test server, seen from outside civiclab."""

    endpoint: str
    name: str
    client: Any

    def key(self, relative: str) -> str:
        return f"{PREFIX}/{relative}"

    def read(self, relative: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=self.key(relative))[
            "Body"
        ].read()
        return body

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    def env(self) -> dict[str, str]:
        """The settings of an installation on this bucket, as environment variables."""
        return {
            "CIVICLAB_OBJECT_STORE_URL": f"s3://{self.name}/{PREFIX}",
            "CIVICLAB_S3_ENDPOINT_URL": self.endpoint,
            "CIVICLAB_S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "CIVICLAB_S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        }


def new_bucket(endpoint: str) -> Bucket:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    name = f"civiclab-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(endpoint, name, client)


def use_store(settings: Any, endpoint: str, bucket: str) -> None:
    """Point this process's settings at ``bucket`` of the server at ``endpoint``."""
    scheme, host = endpoint.split("://")
    settings.OBJECT_STORE_URL = f"s3://{bucket}/{PREFIX}"
    settings.OBJECT_STORE = ObjectStoreLocation(bucket, PREFIX)
    settings.S3_ENDPOINT_URL = endpoint
    settings.S3_ENDPOINT = (scheme, host)
    settings.S3_ACCESS_KEY_ID = CREDENTIALS["aws_access_key_id"]
    settings.S3_SECRET_ACCESS_KEY = CREDENTIALS["aws_secret_access_key"]


def use_data_dir(settings: Any, folder: Path) -> Path:
    """Make ``folder`` this process's data directory (another machine's disk)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings.DATA_DIR = folder
    settings.DATASETS_DIR = folder / "datasets"
    return folder


@pytest.fixture
def object_store(s3_server: str, settings: Any, tmp_path: Path) -> Bucket:
    """An installation whose datasets live in a fresh bucket, its data directory (machine A's)
    in ``tmp_path / "machine-a"``."""
    bucket = new_bucket(s3_server)
    use_store(settings, s3_server, bucket.name)
    use_data_dir(settings, tmp_path / "machine-a")
    return bucket
