"""Home, health and statement pages."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from dialogue.auth.consent import CONSENT_STATEMENT, CONSENT_VERSION
from dialogue.extensions import csrf, db
from dialogue.main import bp
from dialogue.redis_client import get_redis, redis_configured


@bp.route("/")
def home():
    """What Dialogue is, and a way into each capability."""
    return render_template("main/home.html")


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """JSON health: the database always, Redis when configured. 503 when one is down."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        db.session.rollback()
        checks["database"] = f"unavailable: {type(error).__name__}"
        healthy = False
    if redis_configured():
        try:
            get_redis().ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"unavailable: {type(error).__name__}"
            healthy = False
    else:
        checks["redis"] = "not configured"
    checks["database_backend"] = db.engine.dialect.name
    status = "ok" if healthy else "unavailable"
    return jsonify(status=status, **checks), 200 if healthy else 503


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")


@bp.route("/privacy")
def privacy():
    """How Dialogue uses what people contribute."""
    return render_template("main/privacy.html", consent_statement=CONSENT_STATEMENT,
                           consent_version=CONSENT_VERSION)
