"""Post actions shared by forums and finding comments, the moderation queue and its log.

Every action is a normal form POST that redirects; with htmx the same view returns
the fragment that replaces the post or queue item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dialogue.audit import AuditEvent
from dialogue.auth import permissions
from dialogue.auth.decorators import permission_required
from dialogue.auth.models import User
from dialogue.db import utcnow
from dialogue.extensions import db, htmx, limiter
from dialogue.forms import form_status
from dialogue.localities import Locality, all_localities
from dialogue.moderation import bp
from dialogue.moderation import services as posts
from dialogue.moderation.forms import (
    CommentForm,
    DecisionForm,
    EditPostForm,
    FlagForm,
    HideForm,
    SuspendForm,
)
from dialogue.moderation.models import TRANSITIONS, Post
from dialogue.urls import safe_next_url


def _user_key() -> str:
    # Per person, never per IP: a whole school shares one address.
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"


# One budget for every kind of new post (threads, replies, comments).
posting_limit = limiter.shared_limit(lambda: current_app.config["POST_RATE_LIMIT"],
                                     scope="posting", key_func=_user_key, methods=["POST"])


def load_post(post_id: int) -> Post:
    """A post with its author, or 404."""
    post = db.session.scalar(select(Post).options(posts.with_author())
                             .where(Post.id == post_id))
    if post is None:
        abort(404)
    return post


def _may_see(post: Post) -> bool:
    if post.is_held:
        return (permissions.can_edit_own(current_user, post.author_id)
                or permissions.can_moderate_post(current_user, post))
    return True


def _finding_for(post: Post):
    from dialogue.briefings.models import Finding

    return db.session.get(Finding, post.finding_id)


def finding_url(finding) -> str:
    """The finding's page (the briefings package owns it)."""
    try:
        return url_for("briefings.finding", key=finding.key)
    except Exception:  # the briefings page may not exist yet
        return f"/findings/{finding.key}"


def _back_to(post: Post) -> str:
    return url_for("moderation.show_post", post_id=post.id)


def _post_fragment(post: Post, **extra):
    flagged = posts.open_flags_by_user(current_user, [post.id])
    return render_template("moderation/_post.html", post=post, flagged=flagged,
                           kind="comment" if post.finding_id else "post", **extra)


@bp.route("/posts/<int:post_id>")
def show_post(post_id: int):
    """Send the reader to the page (and place) where a post is shown."""
    post = db.get_or_404(Post, post_id)
    if not _may_see(post):
        abort(404)
    if post.thread_id is not None:
        from dialogue.forums.services import page_of_post

        page = page_of_post(post, current_user)
        return redirect(url_for("forums.thread", thread_id=post.thread_id,
                                page=page if page > 1 else None) + f"#post-{post.id}")
    return redirect(finding_url(_finding_for(post)) + f"#post-{post.id}")


@bp.route("/posts/<int:post_id>/history")
def history(post_id: int):
    """A post's earlier texts."""
    post = load_post(post_id)
    if not _may_see(post) or post.is_deleted:
        abort(404)
    if post.is_hidden and not (permissions.can_edit_own(current_user, post.author_id)
                               or permissions.can_moderate_post(current_user, post)):
        abort(404)
    return render_template("moderation/history.html", post=post,
                           revisions=posts.revisions(post))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    """The author edits their post within the edit window."""
    post = load_post(post_id)
    if not permissions.can_edit_own(current_user, post.author_id):
        abort(403)
    form = EditPostForm(obj=post if request.method == "GET" else None)
    if not post.editable_by(current_user):
        message = ("You can no longer edit this post: the time for editing has passed, or it "
                   "has been hidden or deleted.")
        if htmx:
            return _post_fragment(post, notice=message), 409
        flash(message, "error")
        return redirect(_back_to(post))
    if form.validate_on_submit():
        try:
            posts.edit_post(post, current_user, form.body.data)
        except posts.PostingRefused as error:
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            if htmx:
                return _post_fragment(post)
            flash("Your changes have been saved.", "success")
            return redirect(_back_to(post))
    template = "moderation/_edit_form.html" if htmx else "moderation/edit.html"
    return render_template(template, form=form, post=post), form_status(form)


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int):
    """The author deletes their post; a placeholder stays in its place."""
    post = load_post(post_id)
    if not permissions.can_edit_own(current_user, post.author_id):
        abort(403)
    try:
        posts.delete_post(post, current_user)
    except posts.PostingRefused as error:
        message, category, status = str(error), "error", 409  # deleted already
    else:
        db.session.commit()
        message, category, status = "Your post has been deleted.", "success", 200
    if htmx:
        return _post_fragment(post, notice=message), status
    flash(message, category)
    return redirect(_back_to(post))


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag_post(post_id: int):
    """Tell the moderators a post needs their attention."""
    post = load_post(post_id)
    if not _may_see(post):
        abort(404)
    form = FlagForm(prefix=f"flag-{post.id}")  # unique ids: many posts on one page
    if form.validate_on_submit():
        try:
            hidden = posts.flag_post(post, current_user, form.reason.data, form.detail.data or "")
        except posts.PostingRefused as error:
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            message = ("Thank you. A moderator will look at this post"
                       + (", and it is hidden until they do." if hidden else "."))
            if htmx:
                # The form asked to replace itself; on success the whole post changes.
                return _post_fragment(post, notice=message), 200, {
                    "HX-Retarget": f"#post-{post.id}", "HX-Reswap": "outerHTML"}
            flash(message, "success")
            return redirect(_back_to(post))
    template = "moderation/_flag_form.html" if htmx else "moderation/flag.html"
    return render_template(template, form=form, post=post), form_status(form)


@bp.route("/findings/<key>/comments", methods=["POST"])
@login_required
@posting_limit
def comment(key: str):
    """Comment on a finding, or reply to a comment (one level)."""
    from dialogue.briefings.models import Finding

    finding = db.session.scalar(select(Finding).where(Finding.key == key))
    if finding is None:
        abort(404)
    form = CommentForm()
    status = 200
    if finding.retired_at is not None:
        # The form already holds what was typed; it is shown again with this error.
        form.body.errors = ["This finding has been retired, so it takes no new comments"]
        status = 409
    elif form.validate_on_submit():
        parent = None
        if form.parent_id.data:
            parent = db.session.get(Post, form.parent_id.data)
            if parent is None or parent.finding_id != finding.id:
                parent = None
        try:
            post = posts.create_post(current_user, form.body.data, finding=finding,
                                     parent=parent)
        except posts.PostingRefused as error:
            form.body.errors = [str(error)]
            status = 422
        else:
            db.session.commit()
            message = ("Your comment is waiting for a moderator. Only you can see it until "
                       "it is approved." if post.is_held else "Your comment has been posted.")
            if not htmx:
                flash(message, "success")
                return redirect(finding_url(finding) + f"#post-{post.id}")
            return render_template("moderation/_finding_comments.html", finding=finding,
                                   notice=message)
    else:
        status = form_status(form)
    if htmx:
        return render_template("moderation/_finding_comments.html", finding=finding,
                               comment_form=form), status
    return render_template("moderation/comment.html", finding=finding, form=form,
                           finding_href=finding_url(finding)), status


@dataclass(frozen=True)
class Viewer:
    """What the person reading may do with posts in one place, worked out once per page
    rather than once per post (a page shows fifty)."""

    id: int | None
    moderates: bool
    contributes: bool
    edit_since: datetime

    def is_author(self, post: Post) -> bool:
        return self.id is not None and post.author_id == self.id

    def may_edit(self, post: Post) -> bool:
        # The same rule as Post.editable_by, without re-reading the user and the config.
        return (self.is_author(post) and post.status in TRANSITIONS["edit"]
                and post.created_at >= self.edit_since)


@bp.app_template_global()
def viewer_state(locality_id: int | None) -> Viewer:
    """The current user's powers over posts in a locality (None: finding comments)."""
    user = current_user._get_current_object()
    return Viewer(
        id=user.id if user.is_authenticated else None,
        moderates=permissions.can_moderate(user, locality_id),
        contributes=permissions.can_contribute(user),
        edit_since=utcnow() - current_app.config["EDIT_WINDOW"],
    )


@bp.app_template_global()
def flag_label(reason: str) -> str:
    return posts.flag_label(reason)


@bp.app_template_global()
def linked_finding_keys(text: str) -> list[str]:
    """Finding keys a post links to (its cards are looked up once per page)."""
    from dialogue.forums.services import linked_finding_keys as keys

    return keys(text)


@bp.app_template_global()
def finding_comments(finding, form=None) -> dict:
    """What ``_finding_comments.html`` shows: the comment thread and this viewer's state."""
    thread = posts.comments_for_finding(finding.id, current_user)
    ids = [p.id for top, replies in thread for p in (top, *replies)]
    form = form or CommentForm(formdata=None)
    form.body.id = f"comment-{finding.id}-body"  # several findings share one page
    return {
        "thread": thread,
        "flagged": posts.open_flags_by_user(current_user, ids),
        "form": form,
        "count": sum(1 for top, replies in thread for p in (top, *replies) if p.is_visible),
    }


# --- the queue --------------------------------------------------------------------------

def _contexts(post_list: list[Post]) -> dict[int, str]:
    """A line saying where each post is (thread and locality, or finding), in two queries."""
    from dialogue.forums.models import Thread

    thread_ids = {p.thread_id for p in post_list if p.thread_id}
    finding_ids = {p.finding_id for p in post_list if p.finding_id}
    threads = {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_(thread_ids)))} if thread_ids else {}
    findings = {}
    if finding_ids:
        from dialogue.briefings.models import Finding

        findings = {f.id: f for f in db.session.scalars(
            select(Finding).where(Finding.id.in_(finding_ids)))}
    out = {}
    for p in post_list:
        if p.thread_id:
            thread = threads[p.thread_id]
            out[p.id] = f"{thread.locality.name}: {thread.title}"
        else:
            finding = findings.get(p.finding_id)
            out[p.id] = f"Comment on the finding “{finding.title}”" if finding else "Comment"
    return out


def _queue_item(post: Post, **extra):
    return render_template(
        "moderation/_item.html", post=post, flags=posts.flags_for([post.id])[post.id],
        context=_contexts([post])[post.id],
        hide_form=extra.pop("hide_form", None) or HideForm(formdata=None),
        suspend_form=extra.pop("suspend_form", None) or SuspendForm(formdata=None), **extra)


@bp.route("/moderation/")
@permission_required(permissions.can_moderate_somewhere)
def queue():
    """Held and flagged posts and comments this moderator may act on."""
    where = request.args.get("where", "")
    locality_id = int(where) if where.isdigit() else None
    statement = posts.queue_query(current_user, locality_id, comments_only=where == "comments")
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=25,
                       error_out=False)
    post_list = list(page.items)
    limited_to = permissions.moderated_locality_ids(current_user)
    localities = [loc for loc in all_localities()
                  if limited_to is None or loc.id in limited_to]
    return render_template(
        "moderation/queue.html", post_list=post_list, page=page, where=where, localities=localities,
        flags=posts.flags_for([p.id for p in post_list]), contexts=_contexts(post_list),
        hide_form=HideForm(formdata=None), suspend_form=SuspendForm(formdata=None),
        show_comments=limited_to is None,
    )


def _moderated_post(post_id: int) -> Post:
    post = load_post(post_id)
    if not permissions.can_moderate_post(current_user, post):
        abort(403)
    return post


@bp.route("/moderation/posts/<int:post_id>/<any(approve, hide, restore):action>",
          methods=["POST"])
@permission_required(permissions.can_moderate_somewhere)
def decide(post_id: int, action: str):
    """Approve, hide (with a reason) or restore a post."""
    post = _moderated_post(post_id)
    form = HideForm() if action == "hide" else DecisionForm()
    message, category, status = None, "success", 200
    if not form.validate_on_submit():
        message, category, status = "Give a reason: the author will see it", "error", 422
    else:
        try:
            if action == "approve":
                posts.approve_post(post, current_user, form.version.data)
                message = "Approved."
            elif action == "hide":
                posts.hide_post(post, current_user, form.reason.data, form.version.data)
                message = "Hidden. The author has been told why."
            else:
                posts.restore_post(post, current_user, form.version.data)
                message = "Restored."
            db.session.commit()
        except posts.AlreadyHandled:
            db.session.rollback()
            post = load_post(post_id)
            message = ("Another moderator has already handled this post. Here is its "
                       "current state.")
            category, status = "error", 409
        except posts.PostingRefused as error:
            message, category, status = str(error), "error", 422
    item = _queue_item(post, message=None if status == 422 and not htmx else message,
                       category=category, done=status == 200,
                       hide_form=form if action == "hide" and status == 422 else None)
    if htmx:
        return item, status
    if status == 422:  # without JavaScript: the item again, with what was typed
        return render_template("moderation/decide.html", item=Markup(item),  # noqa: S704
                               message=message), status
    flash(message, category)
    return redirect(safe_next_url(request.form.get("next"), url_for("moderation.queue")))


@bp.route("/moderation/posts/<int:post_id>/suspend", methods=["POST"])
@permission_required(permissions.can_moderate_somewhere)
def suspend_author(post_id: int):
    """Suspend the author of a post from posting for a number of days."""
    post = _moderated_post(post_id)
    form = SuspendForm()
    author = db.session.get(User, post.author_id) if post.author_id else None
    message, category, status = None, "success", 200
    if author is None:
        message, category, status = "This post has no author to suspend.", "error", 422
    elif not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0]
        category, status = "error", 422
    else:
        try:
            posts.suspend_user(author, current_user, form.days.data, form.reason.data,
                               locality_id=post.locality_id)
            db.session.commit()
            message = f"{author.display_name} cannot post for {form.days.data} days."
        except posts.PostingRefused as error:
            message, category, status = str(error), "error", 422
    item = _queue_item(post, message=None if status == 422 and not htmx else message,
                       category=category, suspend_form=form if status == 422 else None)
    if htmx:
        return item, status
    if status == 422:
        return render_template("moderation/decide.html", item=Markup(item),  # noqa: S704
                               message=message), status
    flash(message, category)
    return redirect(safe_next_url(request.form.get("next"), url_for("moderation.queue")))


@bp.route("/moderation/log")
@permission_required(permissions.can_moderate_somewhere)
def log():
    """Every moderation decision, newest first, filterable by locality and action."""
    statement = (select(AuditEvent).options(joinedload(AuditEvent.actor))
                 .where(AuditEvent.category == "moderation")
                 .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    limited_to = permissions.moderated_locality_ids(current_user)
    if limited_to is not None:
        statement = statement.where(AuditEvent.locality_id.in_(limited_to))
    where = request.args.get("where", "")
    if where.isdigit():
        statement = statement.where(AuditEvent.locality_id == int(where))
    action = request.args.get("action", "")
    if action:
        statement = statement.where(AuditEvent.action == action)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=50,
                       error_out=False)
    actions = sorted(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.category == "moderation").distinct()))
    localities = [loc for loc in all_localities() if limited_to is None or loc.id in limited_to]
    names = {loc.id: loc.name for loc in db.session.scalars(select(Locality))}
    return render_template("moderation/log.html", page=page, where=where, action=action,
                           actions=actions, localities=localities, locality_names=names)
