"""The places posts belong to, as the features that own them describe them.

Discussion and moderation never import a thread or a finding: forums and briefings each
register a ``PostContext`` for their kind in their ``init_app``; everything that must
say where a post is (the queue, the post's permalink, its search entry) asks here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dialogue.discussion.models import Post


@dataclass(frozen=True)
class PostContext:
    """How one kind of place (``Post.context_kind``) shows and names its posts."""

    kind: str
    # What a post is called there ("post", "comment").
    noun: str
    # A line per post saying where it is ("Locality: thread title"), in a few queries.
    describe: Callable[[list[Post]], dict[int, str]]
    # The title a post's search entry carries.
    title: Callable[[Post], str]
    # The URL of the page (and place on it) where this viewer sees the post.
    locate: Callable[[Post, Any], str]
    # Whether the place itself is open to everyone (a removed thread's posts leave search).
    listed: Callable[[Post], bool] = field(default=lambda post: True)


# Cards shown under posts, from whichever feature recognises something in them
# (briefings: the findings a post links to). Each provider takes posts and returns
# {post id: [(template, card), ...]}; the template renders one ``card``.
CardProvider = Callable[[list[Post]], dict[int, list[tuple[str, Any]]]]

_contexts: dict[str, PostContext] = {}
_card_providers: dict[str, CardProvider] = {}


def register(context: PostContext) -> None:
    """Make a kind of place known (idempotent: each application registers it again)."""
    _contexts[context.kind] = context


def register_cards(name: str, provider: CardProvider) -> None:
    """Add (or replace) a source of cards shown under posts."""
    _card_providers[name] = provider


def context_of(post: Post) -> PostContext:
    """The context of the place this post belongs to."""
    return _contexts[post.context_kind]


def describe(posts: Iterable[Post]) -> dict[int, str]:
    """Where each post is, one line each, asking each kind once."""
    by_kind: dict[str, list[Post]] = {}
    for post in posts:
        by_kind.setdefault(post.context_kind, []).append(post)
    lines: dict[int, str] = {}
    for kind, group in by_kind.items():
        lines.update(_contexts[kind].describe(group))
    return lines


def cards(posts: Iterable[Post]) -> dict[int, list[tuple[str, Any]]]:
    """The cards shown under each post as (template, card) pairs, from every provider."""
    post_list = list(posts)
    found: dict[int, list[tuple[str, Any]]] = {}
    for provider in _card_providers.values():
        for post_id, items in provider(post_list).items():
            found.setdefault(post_id, []).extend(items)
    return found
