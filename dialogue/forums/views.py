"""Locality spaces, threads and replies. Views load, check, call a service, commit once."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from dialogue.auth import permissions
from dialogue.discussion import contexts
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post
from dialogue.discussion.viewer import viewer_for
from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.forums import bp
from dialogue.forums import services as forums
from dialogue.forums.forms import ReplyForm, ThreadForm
from dialogue.forums.models import Thread
from dialogue.localities import Locality
from dialogue.moderation.forms import DecisionForm
from dialogue.ratelimits import posting_limit
from dialogue.responses import done, show

POSTS_PER_PAGE = 50
THREAD_ACTION_DONE = {
    "lock": "Thread locked.", "unlock": "Thread unlocked.", "pin": "Thread pinned.",
    "unpin": "Thread unpinned.", "remove": "Thread removed.", "restore": "Thread restored.",
}


def _locality(slug: str) -> Locality:
    locality = db.session.scalar(select(Locality).where(Locality.slug == slug))
    if locality is None:
        abort(404)
    return locality


def _thread(thread_id: int) -> Thread:
    thread = db.get_or_404(Thread, thread_id)
    if permissions.can_moderate(current_user, thread.locality_id):
        return thread
    if thread.is_deleted:
        abort(404, "This thread has been removed by a moderator.")
    if (not permissions.can_edit_own(current_user, thread.author_id)
            and not forums.thread_is_public(thread)):
        abort(404)  # its opening post is still waiting for a moderator
    return thread


@bp.route("/localities/")
def index():
    """Every locality's space, with its number of threads and latest activity."""
    return render_template("forums/index.html", summaries=forums.locality_summaries())


@bp.route("/localities/<slug>")
def locality(slug: str):
    """A locality's threads: pinned first, then by latest activity."""
    place = _locality(slug)
    page = forums.threads_page(
        place, request.args.get("page", 1, type=int),
        viewer=current_user, include_removed=permissions.can_moderate(current_user, place.id))
    thread_ids = [t.id for t in page.items]
    return render_template(
        "forums/locality.html", locality=place, page=page,
        replies=forums.reply_counts(thread_ids),
        subscribed=forums.is_subscribed(current_user, locality=place))


@bp.route("/localities/<slug>/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new_thread(slug: str):
    """Start a thread in a locality's space."""
    place = _locality(slug)
    form = ThreadForm()
    status, refused = 200, None
    if not permissions.can_post_in_locality(current_user, place):
        refused = ("Your account is suspended from posting at the moment."
                   if current_user.is_suspended() else "Your account cannot post at the moment.")
        status = 403 if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            thread, post = forums.create_thread(current_user, place, form.title.data,
                                                form.body.data)
        except posts.PostingRefused as error:
            form.body.errors = [str(error)]
            status = error.status
        else:
            db.session.commit()
            return done(url_for("forums.thread", thread_id=thread.id),
                        "Your thread has been started. Your opening post is waiting for a "
                        "moderator; only you can see it until it is approved." if post.is_held
                        else "Your thread has been started.")
    else:
        status = form_status(form)
    return show("forums/new_thread.html", status=status, locality=place, form=form,
                refused=refused)


@bp.route("/threads/<int:thread_id>")
def thread(thread_id: int):
    """A thread: its opening post and replies, paginated, with the reply form."""
    item = _thread(thread_id)
    page = forums.posts_page(item, current_user, request.args.get("page", 1, type=int),
                             POSTS_PER_PAGE)
    post_list = list(page.items)
    form = ReplyForm(formdata=None)
    quote_id = request.args.get("quote", type=int)
    if quote_id:
        form.quote_id.data = quote_id
    return render_template(
        "forums/thread.html", thread=item, page=page, post_list=post_list, form=form,
        cards=contexts.cards(post_list),
        flagged=posts.open_flags_by_user(current_user, [p.id for p in post_list]),
        subscribed=forums.is_subscribed(current_user, thread=item),
        decision_form=DecisionForm(formdata=None),
        me=viewer_for(current_user._get_current_object(), item.locality_id),
    )


@bp.route("/threads/<int:thread_id>/reply", methods=["POST"])
@login_required
@posting_limit
def reply(thread_id: int):
    """Reply in a thread; with htmx the new post is appended and the form reset."""
    item = _thread(thread_id)
    form = ReplyForm()
    status = 422
    if form.validate_on_submit():
        quoted = db.session.get(Post, form.quote_id.data) if form.quote_id.data else None
        try:
            post = forums.reply(current_user, item, form.body.data, quoted)
        except posts.PostingRefused as error:
            form.body.errors = [str(error)]
            status = error.status
        else:
            db.session.commit()
            return _reply_added(item, post)
    return show("forums/reply.html", "forums/_reply_form.html", status=status, thread=item,
                form=form)


def _reply_added(item: Thread, post: Post):
    message = ("Your reply is waiting for a moderator. Only you can see it until it is "
               "approved." if post.is_held else "Your reply has been posted.")
    post = posts.load_post(post.id)
    return done(url_for("moderation.show_post", post_id=post.id), message,
                fragment="forums/_reply_added.html", thread=item, post=post,
                form=ReplyForm(formdata=None), cards=contexts.cards([post]), flagged=set(),
                me=viewer_for(current_user._get_current_object(), item.locality_id))


@bp.route("/threads/<int:thread_id>/subscription", methods=["POST"])
@login_required
def thread_subscription(thread_id: int):
    """Follow or stop following a thread."""
    item = _thread(thread_id)
    if request.form.get("follow") == "no":
        forums.unsubscribe(current_user, thread=item)
        message = "You will no longer be notified about this thread."
    else:
        forums.subscribe(current_user, thread=item)
        message = "You will be notified of new replies in this thread."
    db.session.commit()
    return done(url_for("forums.thread", thread_id=item.id), message,
                fragment="forums/_follow.html", target=item,
                subscribed=forums.is_subscribed(current_user, thread=item),
                action=url_for("forums.thread_subscription", thread_id=item.id), noun="thread")


@bp.route("/localities/<slug>/subscription", methods=["POST"])
@login_required
def locality_subscription(slug: str):
    """Follow or stop following every thread in a locality."""
    place = _locality(slug)
    if request.form.get("follow") == "no":
        forums.unsubscribe(current_user, locality=place)
        message = f"You will no longer be notified about {place.name}."
    else:
        forums.subscribe(current_user, locality=place)
        message = f"You will be notified of new replies in {place.name}."
    db.session.commit()
    return done(url_for("forums.locality", slug=place.slug), message,
                fragment="forums/_follow.html", target=place,
                subscribed=forums.is_subscribed(current_user, locality=place),
                action=url_for("forums.locality_subscription", slug=place.slug),
                noun="locality")


@bp.route("/threads/<int:thread_id>/moderate", methods=["POST"])
@login_required
def moderate_thread(thread_id: int):
    """A moderator locks, unlocks, pins, unpins, removes or restores a thread."""
    item = db.get_or_404(Thread, thread_id)
    if not permissions.can_moderate(current_user, item.locality_id):
        abort(403)
    back = url_for("forums.thread", thread_id=item.id)
    action = request.form.get("action", "")
    if action not in THREAD_ACTION_DONE:
        return done(back, "Choose what to do with the thread.", category="error")
    if not forums.moderate_thread(item, current_user, action,
                                  (request.form.get("reason") or "").strip()[:1000]):
        return done(back, "Another moderator has already done that.", category="error")
    db.session.commit()
    return done(back, THREAD_ACTION_DONE[action])
