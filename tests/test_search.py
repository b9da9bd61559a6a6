"""The one search service, on SQLite (FTS5) and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import pytest

from dialogue.extensions import db
from dialogue.search import index as search


@pytest.fixture
def docs(app):
    search.index_document("thread", 1, "Competition between primary schools",
                          "Heads in Locality A say competition for pupils is rising.",
                          "/forums/threads/1", locality_id=None)
    search.index_document("thread", 2, "Teaching school alliances",
                          "Our alliance shares training across twelve schools.",
                          "/forums/threads/2")
    search.index_document("post", 3, "Re: alliances",
                          "Alliances <script>alert(1)</script> & competition \"quoted\".",
                          "/forums/posts/3")
    db.session.commit()


def test_finds_by_title_and_body_with_highlighted_snippets(docs):
    page = search.search("competition")
    assert {(r.kind, r.ref_id) for r in page.items} == {("thread", 1), ("post", 3)}
    first = next(r for r in page.items if r.ref_id == 1)
    assert "<mark>competition</mark>" in str(first.snippet).lower()
    assert page.total == 2


def test_snippets_escape_content(docs):
    result = search.search("alliances", kinds=["post"]).items[0]
    snippet = str(result.snippet)
    assert "<script>" not in snippet
    assert "&amp;" in snippet
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's ts_headline drops tags itself
        assert "&lt;script&gt;" in snippet


def test_stemming_and_prefixes(docs):
    assert [r.ref_id for r in search.search("alliance", kinds=["thread"]).items] == [2]
    assert 2 in [r.ref_id for r in search.search("train").items]


@pytest.mark.parametrize("query", [
    '"', "AND", "OR competition", "NEAR(a b)", "title:x", "*", "-competition", "comp*",
    "competition)", "'; DROP TABLE search_documents; --", "\x00", "\ue000", "(", "^",
])
def test_hostile_queries_are_just_words(docs, query):
    page = search.search(query)  # must not raise
    assert page.total >= 0
    assert search.search("competition").total == 2  # and the table is still there


def test_kinds_filter_and_pagination(docs):
    for n in range(10, 35):
        search.index_document("finding", n, f"Finding {n} about equity", "equity matters",
                              f"/findings/f{n}")
    db.session.commit()
    first = search.search("equity", per_page=10)
    assert first.total == 25 and first.pages == 3 and len(first.items) == 10
    third = search.search("equity", page=3, per_page=10)
    assert len(third.items) == 5
    seen = {r.ref_id for p in (1, 2, 3) for r in search.search("equity", page=p, per_page=10).items}
    assert len(seen) == 25
    assert search.search("equity", kinds=["thread"]).total == 0


def test_reindex_replaces_and_remove_deletes(docs):
    search.index_document("thread", 1, "Renamed", "Nothing about rivalry here", "/forums/t/1")
    db.session.commit()
    assert 1 not in [r.ref_id for r in search.search("competition").items]
    assert [r.ref_id for r in search.search("rivalry").items] == [1]
    search.remove_document("thread", 1)
    db.session.commit()
    assert search.search("rivalry").total == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(search.SearchDocument)) == 2


def test_empty_query_returns_nothing(docs):
    assert search.search("   ").total == 0
    assert search.search("").items == []


def test_search_page(client, docs):
    empty = client.get("/search").get_data(as_text=True)
    assert "Type a word or phrase" in empty
    none = client.get("/search?q=zebra").get_data(as_text=True)
    assert "No results for “<bdi>zebra</bdi>”" in none
    hits = client.get("/search?q=competition").get_data(as_text=True)
    assert "2 results for “<bdi>competition</bdi>”" in hits
    assert 'href="/forums/threads/1"' in hits
    assert "<script>alert(1)</script>" not in hits
    hostile = client.get('/search?q=<script>"NEAR').get_data(as_text=True)
    assert "<script>\"NEAR" not in hostile


def test_briefings_are_indexed_at_import(client, app):
    from pathlib import Path

    from dialogue.briefings import services

    services.import_content(Path(__file__).resolve().parent.parent / "content" / "briefings")
    db.session.commit()
    page = search.search("coercive autonomy")
    kinds = {r.kind for r in page.items}
    assert {"briefing", "finding"} <= kinds
    assert any(r.url == "/briefings/conclusions#conclusions-coercive-autonomy"
               for r in page.items)
    html = client.get("/search?q=pecking+order").get_data(as_text=True)
    assert "<mark>pecking</mark>" in html.lower()
