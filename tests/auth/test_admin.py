"""Admins grant roles and manage localities; the CLI creates accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dialogue.audit import AuditEvent
from dialogue.auth.models import Role, User
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.localities import Locality
from dialogue.notifications.models import Notification


def test_admin_grants_roles_and_limits_moderation(client, factory, login):
    admin = factory.user(role="admin")
    person = factory.user()
    locality = factory.locality("locality-c")
    login(admin)
    response = client.post(f"/admin/users/{person.id}", data={
        "roles": ["moderator", "researcher"], "moderated_localities": [str(locality.id)]})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {Role.MODERATOR, Role.RESEARCHER}
    assert [loc.slug for loc in person.moderated_localities] == ["locality-c"]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.category == "admin", AuditEvent.target_id == person.id)).all()
    assert actions.count("role_granted") == 2

    client.post(f"/admin/users/{person.id}", data={"roles": ["researcher"], "csrf_token": "-"})
    db.session.refresh(person)
    assert person.roles == {Role.RESEARCHER}
    assert person.moderated_localities == []


def test_admin_cannot_remove_own_admin_role(client, factory, login):
    admin = factory.user(role="admin")
    login(admin)
    # A real browser always sends the CSRF token, so the form is never empty.
    response = client.post(f"/admin/users/{admin.id}", data={"csrf_token": "-"})
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.has_role(Role.ADMIN)


def test_non_admins_are_refused(client, factory, login):
    login(factory.user(role="moderator"))
    assert client.get("/admin/").status_code == 403
    assert client.post("/admin/localities", data={"name": "X"}).status_code == 403


def test_user_search(client, factory, login):
    login(factory.user(role="admin", name="Alice Admin"))
    factory.user(name="Bertha Governor")
    page = client.get("/admin/?q=bertha").get_data(as_text=True)
    assert "Bertha Governor</bdi></a></td>" in page and "Alice Admin</bdi></a></td>" not in page


def test_add_and_rename_locality(client, factory, login):
    login(factory.user(role="admin"))
    factory.locality()
    response = client.post("/admin/localities", data={"name": "Coastal cluster",
                                                      "description": "A new space"})
    assert response.status_code == 302
    locality = db.session.scalar(select(Locality).where(Locality.name == "Coastal cluster"))
    assert locality.slug == "coastal-cluster"
    standing = db.session.scalars(select(Thread).where(Thread.locality_id == locality.id)).all()
    assert len(standing) == 3  # the research's three questions open every new space
    assert client.post("/admin/localities", data={"name": "   "}).status_code == 422
    assert len(db.session.scalars(select(Locality)).all()) == 6
    duplicate = client.post("/admin/localities", data={"name": "Coastal cluster",
                                                       "description": "Typed again"})
    assert duplicate.status_code == 422
    page = duplicate.get_data(as_text=True)
    assert "already exists" in page
    assert 'value="Coastal cluster"' in page and 'value="Typed again"' in page
    client.post(f"/admin/localities/{locality.id}", data={"name": "Harbour cluster",
                                                          "description": ""})
    db.session.refresh(locality)
    assert locality.name == "Harbour cluster" and locality.slug == "coastal-cluster"


def test_cli_create_user_with_role(runner):
    result = runner.invoke(args=["dialogue", "create-user", "--email", "boss@x.example.org",
                                 "--role", "admin", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@x.example.org"))
    assert user.has_role(Role.ADMIN)
    again = runner.invoke(args=["dialogue", "create-user", "--email", "boss@x.example.org",
                                "--role", "researcher", "--password", "ignored password"])
    assert again.exit_code == 0
    db.session.refresh(user)
    assert user.roles == {Role.ADMIN, Role.RESEARCHER}


def test_admin_lifts_a_suspension(client, factory, login):
    admin = factory.user(role="admin")
    person = factory.user(name="Sam Suspended")
    person.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/users/{person.id}")
    assert b"Lift the suspension" in page.data
    response = client.post(f"/admin/users/{person.id}/lift-suspension")
    assert response.status_code == 302
    db.session.refresh(person)
    assert not person.is_suspended()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lift_suspension"))
    assert event is not None and event.actor_id == admin.id
    assert db.session.scalar(select(Notification).where(Notification.user_id == person.id))
    assert b"Lift the suspension" not in client.get(f"/admin/users/{person.id}").data
    again = client.post(f"/admin/users/{person.id}/lift-suspension", follow_redirects=True)
    assert b"is not suspended" in again.data
