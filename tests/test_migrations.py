"""Upgrading an empty database to head yields exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from dialogue import create_app
from dialogue.config import TestConfig
from dialogue.extensions import db
from dialogue.schema import include_in_autogenerate
from tests.servers import fresh_postgres_database


def _schema_diff(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": include_in_autogenerate,
            },
        )
        return compare_metadata(context, db.metadata)


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    if database_url is None:
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    return fresh_postgres_database(database_url, "migrations")


def _assert_search_objects_exist() -> None:
    """The migrations also create what the models cannot describe: full-text search."""
    if db.engine.dialect.name == "sqlite":
        names = db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE name LIKE 'search_fts%'")).scalars().all()
        assert {"search_fts", "search_fts_ai", "search_fts_ad", "search_fts_au"} <= set(names)
    else:
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("search_documents")}
        assert "search_fts_documents" in indexes
    db.session.rollback()


def test_upgrade_from_empty_matches_models(empty_database_url, tmp_path):
    app = create_app({"CONFIG": TestConfig, "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade()
        diff = _schema_diff(db.engine)
        assert diff == [], f"migrations and models differ: {diff}"
        assert "alembic_version" in inspect(db.engine).get_table_names()
        _assert_search_objects_exist()
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert not remaining, f"downgrade left tables behind: {remaining}"
        db.engine.dispose()
