"""Fixtures on the real services: a connected runtime, and a clean database per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from letitgo import storage
from letitgo.models import Attempt, Endpoint, Run, Schedule
from letitgo.settings import Settings, get_settings


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
