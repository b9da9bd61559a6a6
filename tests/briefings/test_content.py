"""The content checker, the importer (idempotence, retirement, all-or-nothing) and the
trusted renderer's sanitising."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dialogue.briefings import services
from dialogue.briefings.content import load_content
from dialogue.briefings.models import Briefing, Finding, GlossaryTerm, KeyFigure
from dialogue.briefings.rendering import render_briefing_markdown
from dialogue.extensions import db


def _edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def _errors(content_dir):
    return [str(e) for e in load_content(content_dir)[1]]


def test_shipped_content_is_valid_and_complete(content_dir):
    briefings, errors = load_content(content_dir)
    assert errors == []
    assert [b.slug for b in briefings][:2] == ["overview", "hierarchy"]
    findings = [f for b in briefings for f in b.findings]
    assert len(findings) >= 30
    glossary = next(b for b in briefings if b.is_glossary)
    keys = {t["key"] for t in glossary.glossary_terms}
    assert {"academy", "mat", "tsa", "nle", "rsc", "la", "fsm", "siss"} <= keys


def test_check_cli_passes_on_shipped_content(runner, content_dir):
    result = runner.invoke(args=["dialogue", "content", "check", "--dir", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "54 findings" in result.output


def test_malformed_front_matter_is_reported_with_file_and_line(runner, content_dir):
    path = content_dir / "03-markets.md"
    _edit(path, "order: 3", "order: [3")
    result = runner.invoke(args=["dialogue", "content", "check", "--dir", str(content_dir)])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+: malformed front matter", result.output)


def test_missing_front_matter_field(content_dir):
    _edit(content_dir / "04-networks.md", "summary:", "sumary:")
    errors = _errors(content_dir)
    assert any(e.endswith("04-networks.md:1: front matter is missing 'summary'") for e in errors)


def test_duplicate_finding_ids_across_files(content_dir):
    path = content_dir / "04-networks.md"
    _edit(path, "{#networks-collaboration-widespread}", "{#markets-winners-and-losers}")
    line = path.read_text().split("\n").index(":::: finding {#markets-winners-and-losers}") + 1
    errors = _errors(content_dir)
    assert f"{path}:{line}: duplicate finding id 'markets-winners-and-losers' (first used at " \
           f"{content_dir / '03-markets.md'}:108)" in errors


def test_finding_without_id_or_headline(content_dir):
    path = content_dir / "05-mats-and-outcomes.md"
    _edit(path, ":::: finding {#mats-and-outcomes-smaller-trusts}", ":::: finding")
    errors = _errors(content_dir)
    assert any("05-mats-and-outcomes.md:49: a finding needs an id" in e for e in errors)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('value: "47"', 'value: "47"\nextra: "x"', "figure block: unexpected extra"),
    ('value: "47"\n', "", "figure block: missing value"),
    ("source: case-studies\n```\n\n```figure\nvalue: \"four\"", "source: nowhere\n```\n\n"
     "```figure\nvalue: \"four\"", "figure source 'nowhere' is not one of this file's sources"),
    ('value: "47"', 'value: "47', "figure block is not valid YAML"),
])
def test_bad_figure_block(content_dir, old, new, message):
    _edit(content_dir / "01-overview.md", old, new)
    errors = _errors(content_dir)
    assert any(re.search(r"01-overview\.md:\d+: " + re.escape(message), e) for e in errors), errors


def test_unknown_glossary_term(content_dir):
    path = content_dir / "02-hierarchy.md"
    text = path.read_text()
    line = next(i for i, row in enumerate(text.split("\n"), 1) if "(glossary:" in row)
    path.write_text(re.sub(r"\(glossary:[a-z-]+\)", "(glossary:no-such-term)", text, count=1))
    assert f"{path}:{line}: unknown glossary term 'no-such-term'" in _errors(content_dir)


def test_broken_internal_links(content_dir):
    path = content_dir / "03-markets.md"
    _edit(path, "/briefings/conclusions#conclusions-theme-knowledge",
          "/briefings/conclusions#no-such-finding")
    _edit(path, "/briefings/markets#markets-competition-secondary", "/briefings/nowhere")
    errors = _errors(content_dir)
    assert f"{path}:149: broken link '/briefings/conclusions#no-such-finding': no finding " \
           "or section 'no-such-finding' in 'conclusions'" in errors
    assert f"{path}:51: broken link '/briefings/nowhere': no briefing 'nowhere'" in errors


def test_internal_links_in_shipped_content_resolve_on_the_site(client, imported):
    hrefs = set()
    for briefing in db.session.scalars(select(Briefing)):
        hrefs.update(re.findall(r'href="(/briefings/[^"]+)"', briefing.body_html))
    assert len(hrefs) > 5
    for href in hrefs:
        path, _, anchor = href.partition("#")
        response = client.get(path)
        assert response.status_code == 200, href
        if anchor:
            assert f'id="{anchor}"' in response.get_data(as_text=True), href


def test_import_is_idempotent(runner, content_dir):
    first = runner.invoke(args=["dialogue", "content", "import", "--dir", str(content_dir),
                                "--no-pdf"])
    assert first.exit_code == 0, first.output
    assert "61 added" in first.output
    assert "PDF built" not in first.output
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (Briefing, Finding, KeyFigure, GlossaryTerm)]
    second = runner.invoke(args=["dialogue", "content", "import", "--dir", str(content_dir),
                                 "--no-pdf"])
    assert second.exit_code == 0
    assert "No changes" in second.output
    assert counts == [db.session.scalar(select(func.count()).select_from(m))
                      for m in (Briefing, Finding, KeyFigure, GlossaryTerm)]
    assert counts[1] == 54


def test_removed_finding_is_retired_not_deleted(client, factory, login, imported):
    finding = db.session.scalar(select(Finding).where(Finding.key == "markets-winners-and-losers"))
    user = factory.user()
    services.react(finding, user, services.ReactionAnswer.MATCHES)
    db.session.commit()
    path = imported / "03-markets.md"
    text = path.read_text()
    start = text.index(":::: finding {#markets-winners-and-losers}")
    end = text.index("::::\n", start + 10) + 5
    path.write_text(text[:start] + text[end:])
    report = services.import_content(imported)
    db.session.commit()
    assert report.retired == ["finding markets-winners-and-losers"]
    assert report.changed == ["briefing markets"]
    db.session.refresh(finding)
    assert finding.retired_at is not None
    assert len(db.session.scalars(select(services.Reaction)).all()) == 1
    # Gone from the briefing, still readable on its own page, which says it was retired.
    briefing_page = client.get("/briefings/markets").get_data(as_text=True)
    assert "markets-winners-and-losers" not in briefing_page
    page = client.get("/findings/markets-winners-and-losers").get_data(as_text=True)
    assert "This finding was retired" in page
    # Putting it back brings it back.
    path.write_text(text)
    report = services.import_content(imported)
    db.session.commit()
    assert "finding markets-winners-and-losers" in report.changed
    db.session.refresh(finding)
    assert finding.retired_at is None


def test_changed_figure_is_reported_and_replaced(imported):
    _edit(imported / "01-overview.md", 'base: "school leaders surveyed for the study"',
          'base: "school leaders in England"')
    report = services.import_content(imported)
    db.session.commit()
    assert report.changed == ["briefing overview", "finding overview-survey"]
    figure = db.session.scalar(select(KeyFigure).where(KeyFigure.value == "almost 700"))
    assert figure.base == "school leaders in England"


def test_malformed_import_changes_nothing(runner, imported):
    before = {f.key: (f.title, f.retired_at) for f in db.session.scalars(select(Finding))}
    path = imported / "02-hierarchy.md"
    _edit(path, "### ", "### Changed title: ")  # a valid change ...
    _edit(imported / "04-networks.md", "```figure\n", "```figure\nbogus: 1\n")  # ... and a bad one
    result = runner.invoke(args=["dialogue", "content", "import", "--dir", str(imported),
                                 "--no-pdf"])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert "04-networks.md" in result.output
    db.session.expire_all()
    assert before == {f.key: (f.title, f.retired_at) for f in db.session.scalars(select(Finding))}


def test_trusted_html_is_sanitised():
    html = render_briefing_markdown(
        "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> "
        "<a href=\"javascript:alert(3)\">x</a> <b hx-post=\"/logout\" hx-trigger=\"load\">y</b>"
        "\n\n<iframe src=\"https://example.com\"></iframe>\n\n[ok](/briefings/overview)"
    )
    lowered = html.lower()
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "hx-post", "<iframe"):
        assert bad not in lowered
    assert '<a href="/briefings/overview">ok</a>' in html


def test_script_in_content_does_not_reach_the_page(client, content_dir):
    _edit(content_dir / "04-networks.md", "### The vast majority",
          "### The vast majority\n\n<script>alert('x')</script>\n\n<p onclick=\"evil()\">hi</p>")
    services.import_content(content_dir)
    db.session.commit()
    page = client.get("/briefings/networks").get_data(as_text=True)
    assert "alert('x')" not in page
    assert "evil()" not in page


def test_glossary_links_explain_the_term_and_resolve(client, imported):
    page = client.get("/briefings/markets").get_data(as_text=True)
    match = re.search(r'<a href="/briefings/glossary#term-fsm" class="dialogue-term" '
                      r'title="([^"]+)">free school meals</a>', page)
    assert match and "free school meals" in match.group(1).lower()
    assert "Terms used in this finding" in page
    glossary = client.get("/briefings/glossary").get_data(as_text=True)
    assert 'id="term-fsm"' in glossary
