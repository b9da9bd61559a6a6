"""The demo data and the synthetic contributions generator."""

import traceback

from sqlalchemy import func, select

from dialogue.briefings.models import Reaction
from dialogue.demo import DemoPeople, load_demo
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.reports import analysis, demo
from dialogue.reports.filters import Filters
from dialogue.reports.models import Code
from dialogue.workshops.models import Response
from tests.factories import Factory


def test_demo_contributions_generator(app, runner):
    result = runner.invoke(args=["dialogue", "demo", "--contributions", "2000"])
    assert result.exit_code == 0, "".join(traceback.format_exception(*result.exc_info))
    synthetic = (db.session.scalar(select(func.count(Reaction.id)))
                 + db.session.scalar(select(func.count(Post.id)))
                 + db.session.scalar(select(func.count(Response.id))))
    assert synthetic >= 2000
    # Research sees fewer: no consent, or not visible.
    seen = analysis.participation(Filters())["contributions"]
    assert 0.75 * 2000 < seen < synthetic


def test_research_demo_is_idempotent(app, runner):
    first = load_demo()  # the site's demo seeds the codebook through this feature
    assert "research code hierarchy" in first
    people = DemoPeople()
    people.by_role["researcher"] = _researcher()
    assert demo.load_demo(people) == []
    assert db.session.scalar(select(func.count(Code.id))) == 9


def _researcher():
    return Factory().user(role="researcher")
