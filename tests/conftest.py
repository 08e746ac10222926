"""Fixtures every layer uses: a fresh knowledge database (embedded SQLite and PostgreSQL). The running servers of
the end-to-end tests are in tests/e2e/conftest.py."""

from __future__ import annotations

import pytest

from tests.support import services


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
