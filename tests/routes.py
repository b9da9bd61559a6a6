"""Every feature's expected-access rows (``tests/<feature>/access.py``), and the world
their URLs need: used by the route sweep, the CSRF and authorization tests, the form
tests and the input sweep."""

from __future__ import annotations

import importlib
import pkgutil

import tests
from dialogue.extensions import db
from tests.access import ANONYMOUS, ROLES, Route, World


def _feature_tables():
    modules = []
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                modules.append(importlib.import_module(f"tests.{info.name}.access"))
            except ModuleNotFoundError as error:
                if error.name != f"tests.{info.name}.access":
                    raise
    return modules


TABLES = _feature_tables()
ALL_ROUTES: list[Route] = [route for module in TABLES for route in module.ROUTES]


def build_world(factory) -> World:
    """One user per role, then each feature's ``setup(world)``; committed."""
    world = World(users={})
    factory.locality()
    for role in ROLES:
        if role != ANONYMOUS:
            world.users[role] = factory.user(role=role, name=f"Sweep {role}")
    for module in TABLES:
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(world)
    db.session.commit()
    return world
