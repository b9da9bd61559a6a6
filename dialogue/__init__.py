"""Dialogue: research on England's self-improving school-led system meets practitioners."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(config: object | dict | str | None = None) -> Flask:
    """Build the application. ``config`` is a config name, class, or dict of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config)
    register_extensions(app)
    register_database(app)
    register_security(app)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    register_shortcuts(app)
    return app


def configure(app: Flask, config) -> None:
    from dialogue.config import Config, resolve_config, secret_key_for

    config_class, overrides = resolve_config(config)
    app.config.from_object(config_class)
    app.config.update(Config.from_env())
    app.config.update(overrides)
    if app.config.get("INSTANCE_PATH"):
        app.instance_path = app.config["INSTANCE_PATH"]
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'dialogue.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment before starting Dialogue "
                "in production (see docs/configuration.md)."
            )
        app.config["SECRET_KEY"] = secret_key_for(instance)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_shortcuts(app: Flask) -> None:
    """WSGI wrappers that answer the hottest, simplest requests before Flask does."""
    from dialogue.workshops.poll_shortcut import LivePollShortcut

    app.wsgi_app = LivePollShortcut(app.wsgi_app, app)


def register_extensions(app: Flask) -> None:
    from dialogue.extensions import csrf, htmx, limiter, login_manager

    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def register_database(app: Flask) -> None:
    from dialogue import models  # noqa: F401  (every table joins the metadata)
    from dialogue.db import configure_sqlite
    from dialogue.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)


def register_security(app: Flask) -> None:
    from dialogue.security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from dialogue.admin import bp as admin_bp
    from dialogue.auth import bp as auth_bp
    from dialogue.briefings import bp as briefings_bp
    from dialogue.forums import bp as forums_bp
    from dialogue.main import bp as main_bp
    from dialogue.moderation import bp as moderation_bp
    from dialogue.notifications import bp as notifications_bp
    from dialogue.privacy import bp as privacy_bp
    from dialogue.reports import bp as reports_bp
    from dialogue.workshops import bp as workshops_bp

    for blueprint in (main_bp, auth_bp, admin_bp, briefings_bp, forums_bp, moderation_bp,
                      notifications_bp, workshops_bp, reports_bp, privacy_bp):
        app.register_blueprint(blueprint)


def register_errors(app: Flask) -> None:
    from dialogue.errors import init_errors

    init_errors(app)


def register_templates(app: Flask) -> None:
    from dialogue.templating import init_templating

    init_templating(app)


def register_cli(app: Flask) -> None:
    from dialogue.cli import dialogue_cli

    app.cli.add_command(dialogue_cli)
