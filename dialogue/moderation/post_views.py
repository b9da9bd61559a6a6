"""One post's pages and actions: its permalink, history, editing, deletion and flagging.

Every action is a normal form POST that redirects; with htmx the same view returns
the fragment that replaces the post.
"""

from __future__ import annotations

from flask import abort, redirect, request
from flask_login import current_user, login_required

from dialogue.auth import permissions
from dialogue.discussion import contexts
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post
from dialogue.discussion.viewer import viewer_for
from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.moderation import bp
from dialogue.moderation.forms import EditPostForm, FlagForm
from dialogue.moderation.subscribers import post_url
from dialogue.responses import done, refused, show

POST_FRAGMENT = "moderation/_post.html"


def load_post(post_id: int) -> Post:
    """A post with its author, or 404."""
    post = posts.load_post(post_id)
    if post is None:
        abort(404)
    return post


def post_fragment_context(post: Post) -> dict:
    """What ``moderation/_post.html`` needs to show one post to the current user."""
    return {
        "post": post,
        "flagged": posts.open_flags_by_user(current_user, [post.id]),
        "kind": contexts.context_of(post).noun,
        "me": viewer_for(current_user._get_current_object(), post.locality_id),
        "cards": contexts.cards([post]),
    }


@bp.route("/posts/<int:post_id>")
def show_post(post_id: int):
    """Send the reader to the page (and place) where a post is shown."""
    post = db.get_or_404(Post, post_id)
    if not permissions.can_see_post(current_user, post):
        abort(404)
    return redirect(contexts.context_of(post).locate(post, current_user))


@bp.route("/posts/<int:post_id>/history")
@login_required
def history(post_id: int):
    """A post's earlier texts, for its author and its moderators."""
    post = load_post(post_id)
    if post.is_deleted or not permissions.can_see_post(current_user, post):
        abort(404)
    if not permissions.can_see_post_history(current_user, post):
        abort(403)
    return show("moderation/history.html", post=post, revisions=posts.revisions(post))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    """The author edits their post within the edit window."""
    post = load_post(post_id)
    if not permissions.can_edit_own(current_user, post.author_id):
        abort(403)
    form = EditPostForm(obj=post if request.method == "GET" else None)
    if not post.editable_by(current_user):
        error = posts.PostingRefused(
            "You can no longer edit this post: the time for editing has passed, or it "
            "has been hidden or deleted.", status=409)
        return refused(error, post_url(post), fragment=POST_FRAGMENT,
                       **post_fragment_context(post))
    if form.validate_on_submit():
        try:
            posts.edit_post(post, current_user, form.body.data)
        except posts.PostingRefused as error:
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            return done(post_url(post), "Your changes have been saved.", fragment=POST_FRAGMENT,
                        **post_fragment_context(post))
    return show("moderation/edit.html", "moderation/_edit_form.html", status=form_status(form),
                form=form, post=post)


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
        return refused(error, post_url(post), fragment=POST_FRAGMENT,
                       **post_fragment_context(post))
    db.session.commit()
    return done(post_url(post), "Your post has been deleted.", fragment=POST_FRAGMENT,
                **post_fragment_context(post))


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag_post(post_id: int):
    """Tell the moderators a post needs their attention."""
    post = load_post(post_id)
    if not permissions.can_see_post(current_user, post):
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
            # The form asked to replace itself; on success the whole post changes.
            return done(post_url(post), message, fragment=POST_FRAGMENT,
                        retarget=f"#post-{post.id}", reswap="outerHTML",
                        **post_fragment_context(post))
    return show("moderation/flag.html", "moderation/_flag_form.html", status=form_status(form),
                form=form, post=post)
