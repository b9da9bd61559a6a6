"""Dialogue: research on England's self-improving school-led system meets practitioners."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dialogue import (
    admin,
    auth,
    briefings,
    consensus,
    forums,
    loop,
    main,
    models,  # noqa: F401  (every table joins the metadata)
    moderation,
    notifications,
    privacy,
    ratelimits,
    reports,
    search,
    workshops,
)
from dialogue.cli import dialogue_cli
from dialogue.config import Config, public_address_settings, resolve_config, secret_key_for
from dialogue.demo import demo_command
from dialogue.errors import init_errors
from dialogue.extensions import csrf, db, htmx, login_manager, migrate
from dialogue.input_bounds import init_input_bounds
from dialogue.observability import init_observability
from dialogue.security import init_security
from dialogue.static_files import init_static_versions
from dialogue.templating import init_templating
from dialogue.transactions import close_sessions_quietly, configure_sqlite
from dialogue.wellknown import init_wellknown


def create_app(config: object | dict | str | None = None) -> Flask:
    """Build the application. ``config`` is a config name, class, or dict of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config)
    init_input_bounds(app)  # before any URL rule is added: it bounds every <int:...>
    init_static_versions(app)
    # First, so its before_request runs before any other and its after_request last
    # (it logs and counts the final status).
    init_observability(app)
    register_extensions(app)
    register_database(app)
    register_security(app)
    register_features(app)
    init_wellknown(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    return app


def configure(app: Flask, config) -> None:
    """Config class, then the environment, then ``config``'s overrides; instance paths."""
    config_class, overrides = resolve_config(config)
    app.config.from_object(config_class)
    app.config.update(Config.from_env())
    app.config.update(overrides)
    if app.config["INSTANCE_PATH"]:
        app.instance_path = app.config["INSTANCE_PATH"]
    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'dialogue.sqlite3'}"
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment before starting Dialogue "
                "in production (see docs/configuration.md)."
            )
        app.config["SECRET_KEY"] = secret_key_for(instance)
    if app.config["PUBLIC_URL"]:
        app.config.update(public_address_settings(app.config["PUBLIC_URL"]))
    elif app.config["ENV_NAME"] == "production":
        raise RuntimeError(
            "PUBLIC_URL is not set. Set it to the site's public address (for example "
            "https://dialogue.example.org) before starting Dialogue in production: links "
            "in mail and QR codes are built from it (see docs/configuration.md)."
        )
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        # The client's address and scheme only: the host comes from PUBLIC_URL, never
        # from a forwarded header a client could have written.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


def register_extensions(app: Flask) -> None:
    """Bind the extensions created unbound in ``dialogue.extensions``."""
    csrf.init_app(app)
    htmx.init_app(app)
    ratelimits.init_app(app)  # the limiter, with counts every worker shares
    login_manager.init_app(app)


def register_database(app: Flask) -> None:
    """SQLAlchemy and Alembic; SQLite's connection rules."""
    db.init_app(app)
    close_sessions_quietly(app)  # after db.init_app, so it runs before its teardown
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)


def register_security(app: Flask) -> None:
    """Security headers and the site-wide input rules."""
    init_security(app)


def register_features(app: Flask) -> None:
    """Each feature registers its own blueprint, CLI, template globals and middleware."""
    for feature in (main, auth, admin, briefings, forums, moderation, notifications,
                    workshops, consensus, reports, loop, privacy, search):
        feature.init_app(app)


def register_errors(app: Flask) -> None:
    """Error pages and htmx error fragments."""
    init_errors(app)


def register_templates(app: Flask) -> None:
    """The template filters shared by every feature."""
    init_templating(app)


def register_cli(app: Flask) -> None:
    """``flask dialogue ...``: the core's commands, the features' and the demo loader."""
    dialogue_cli.add_command(demo_command)
    app.cli.add_command(dialogue_cli)
