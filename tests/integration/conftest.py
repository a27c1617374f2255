"""Fixtures on the real services: a connected runtime, and a clean database per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from letitgo import storage
from letitgo.api import create_app
from letitgo.models import Attempt, Endpoint, Run, Schedule
from letitgo.settings import Settings, get_settings
from tests.conftest import TEST_ENV
from tests.e2e.receiver import Receiver


@pytest.fixture(scope="session")
def _database() -> Iterator[Settings]:
    settings = get_settings()
    storage.connect(settings.mongodb_uri)
    yield settings
    Schedule._get_db().client.drop_database(Schedule._get_db().name)


@pytest.fixture()
def db(mongodb_service: str, _database: Settings) -> Settings:
    """The real database, connected; dropped at the end of the session."""
    return _database


@pytest.fixture()
def clean_db(db: Settings) -> Settings:
    for doc in (Schedule, Run, Attempt, Endpoint):
        doc._get_collection().delete_many({})
    return db


@pytest.fixture()
def client(clean_db: Settings, services: dict[str, str]) -> Iterator[FlaskClient]:
    """The Flask app's test client on the real services, with an empty database."""
    yield create_app().test_client()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1 that answers the Go verification scheme."""
    r = Receiver(secret_key=TEST_ENV["WEBHOOK_SECRET_KEY"]).start()
    yield r
    r.stop()
