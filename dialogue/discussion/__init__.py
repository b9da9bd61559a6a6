"""Discussion: posts, their edit history and flags, shared by every feature.

The layer below forums, briefings and moderation. It knows no thread and no finding:
the places posts belong to describe themselves in ``contexts``, and whatever follows a
post's change is told through ``signals``. Verbs are in ``services`` (writing),
``decisions`` (moderators' decisions) and ``queue`` (what waits for a moderator).
"""
