"""Shared fixtures: a fresh knowledge database per test session, and the running servers for end-to-end tests."""
from __future__ import annotations

import os

import pytest

from tests import services


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    """A fresh knowledge base loaded from the project's content, on embedded SQLite and on PostgreSQL."""
    from atrophy import loader
    from atrophy.db import engine_for
    from atrophy.models import Base

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.db'}"
    else:
        url = services.postgres_url()
        Base.metadata.drop_all(engine_for(url))
    monkeypatch.setenv("ATROPHY_DB_URL", url)
    loader.load(url)
    return url


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """The trained bot served over REST, with its action server, on a database of its own."""
    from tests.servers import Servers

    workdir = tmp_path_factory.mktemp("servers")
    servers = Servers(workdir, env={"ATROPHY_DB_URL": f"sqlite:///{workdir / 'kb.db'}"})
    try:
        yield servers.start()
    finally:
        servers.stop()
