"""The moderation queue and the decisions made from it: approve, hide, restore, suspend.

With htmx each decision returns the queue item it replaces; without, a redirect back to
the queue (or, when the decision could not be made as asked, the item with its error).
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from dialogue import page_sections
from dialogue.auth import permissions
from dialogue.auth.decorators import permission_required
from dialogue.auth.models import User
from dialogue.discussion import contexts, decisions, queue
from dialogue.discussion.models import Post
from dialogue.discussion.services import PostingRefused
from dialogue.extensions import db, htmx
from dialogue.localities import all_localities
from dialogue.moderation import bp
from dialogue.moderation.forms import DecisionForm, HideForm, SuspendForm
from dialogue.moderation.post_views import load_post
from dialogue.moderation.suspensions import SuspensionRefused, suspend_user
from dialogue.responses import done, refused, show
from dialogue.urls import safe_next_url

ITEM = "moderation/_item.html"
STALE = "Another moderator has already handled this post. Here is its current state."


def _item_context(post: Post, *, hide_form=None, suspend_form=None, **extra) -> dict:
    """What ``moderation/_item.html`` needs to show one queue item."""
    return {"post": post, "flags": queue.flags_for([post.id])[post.id],
            "context": contexts.describe([post])[post.id],
            "hide_form": hide_form or HideForm(formdata=None),
            "suspend_form": suspend_form or SuspendForm(formdata=None), **extra}


def _back() -> str:
    return safe_next_url(request.form.get("next"), url_for("moderation.queue"))


def _unprocessable(message: str, post: Post, **forms):
    """A decision that could not be made as asked: the item again, with what was typed
    (in place for htmx; without JavaScript, on a page of its own)."""
    if htmx:
        return refused(message, _back(), fragment=ITEM, status=422, notice_category="error",
                       **_item_context(post, **forms))
    item = render_template(ITEM, **_item_context(post, **forms))
    return show("moderation/decide.html", status=422,
                item=Markup(item), message=message)  # noqa: S704 - our own template


@bp.route("/moderation/", endpoint="queue")
@permission_required(permissions.can_moderate_somewhere)
def queue_page():
    """Held and flagged posts and comments this moderator may act on."""
    where = request.args.get("where", "")
    locality_id = int(where) if where.isdigit() else None
    statement = queue.queue_query(current_user, locality_id,
                                  kind="finding" if where == "comments" else None)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=25,
                       error_out=False)
    post_list = list(page.items)
    limited_to = permissions.moderated_locality_ids(current_user)
    localities = [loc for loc in all_localities()
                  if limited_to is None or loc.id in limited_to]
    return render_template(
        "moderation/queue.html", post_list=post_list, page=page, where=where,
        localities=localities, flags=queue.flags_for([p.id for p in post_list]),
        contexts=contexts.describe(post_list), hide_form=HideForm(formdata=None),
        suspend_form=SuspendForm(formdata=None), show_comments=limited_to is None,
        sections=page_sections.collect(page_sections.moderation_queue_sections,
                                      moderator=current_user),
    )


def _moderated_post(post_id: int) -> Post:
    post = load_post(post_id)
    if not permissions.can_moderate_post(current_user, post):
        abort(403)
    return post


def _apply(action: str, post: Post, form) -> str:
    """Make the decision; the message that says it was made."""
    if action == "approve":
        decisions.approve_post(post, current_user, form.version.data)
        return "Approved."
    if action == "hide":
        decisions.hide_post(post, current_user, form.reason.data, form.version.data)
        return "Hidden. The author has been told why."
    decisions.restore_post(post, current_user, form.version.data)
    return "Restored."


@bp.route("/moderation/posts/<int:post_id>/<any(approve, hide, restore):action>",
          methods=["POST"])
@permission_required(permissions.can_moderate_somewhere)
def decide(post_id: int, action: str):
    """Approve, hide (with a reason) or restore a post."""
    post = _moderated_post(post_id)
    form = HideForm() if action == "hide" else DecisionForm()
    kept = {"hide_form": form} if action == "hide" else {}
    if not form.validate_on_submit():
        return _unprocessable("Give a reason: the author will see it", post, **kept)
    try:
        message = _apply(action, post, form)
    except decisions.AlreadyHandled as error:
        db.session.rollback()
        return refused(STALE, _back(), fragment=ITEM, status=error.status,
                       notice_category="error", **_item_context(load_post(post_id)))
    except PostingRefused as error:
        return _unprocessable(str(error), post, **kept)
    db.session.commit()
    return done(_back(), message, fragment=ITEM, **_item_context(post, done=True))


@bp.route("/moderation/posts/<int:post_id>/suspend", methods=["POST"])
@permission_required(permissions.can_moderate_somewhere)
def suspend_author(post_id: int):
    """Suspend the author of a post from posting for a number of days."""
    post = _moderated_post(post_id)
    form = SuspendForm()
    author = db.session.get(User, post.author_id) if post.author_id else None
    if author is None:
        return _unprocessable("This post has no author to suspend.", post)
    if not form.validate_on_submit():
        return _unprocessable(next(iter(form.errors.values()))[0], post, suspend_form=form)
    try:
        suspend_user(author, current_user, form.days.data, form.reason.data,
                     locality_id=post.locality_id)
    except SuspensionRefused as error:
        return _unprocessable(str(error), post, suspend_form=form)
    db.session.commit()
    return done(_back(), f"{author.display_name} cannot post for {form.days.data} days.",
                fragment=ITEM, **_item_context(post))
