"""One Redis client per process, created on first use (only when REDIS_URL is set)."""

from __future__ import annotations

import redis
from flask import current_app


def get_redis() -> redis.Redis:
    """The app's Redis client. Raises if REDIS_URL is not configured."""
    client = current_app.extensions.get("dialogue_redis")
    if client is None:
        url = current_app.config["REDIS_URL"]
        if not url:
            raise RuntimeError("REDIS_URL is not configured")
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                      health_check_interval=30)
        current_app.extensions["dialogue_redis"] = client
    return client


def redis_configured() -> bool:
    """Whether ``REDIS_URL`` is set."""
    return bool(current_app.config["REDIS_URL"])
