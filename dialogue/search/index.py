"""The search index: one service over every kind of content.

Features call ``index_document`` / ``remove_document`` when their content changes and
``search`` to query. Rows live in ``search_documents``; the full-text machinery behind
it depends on the database:

* SQLite: an FTS5 external-content table ``search_fts`` kept in step by triggers.
* PostgreSQL: a GIN expression index on ``to_tsvector('english', title || ' ' || body)``.

Both are created by ``install_search`` (in ``dialogue.schema.EXTRAS``). User query text
never reaches either engine as syntax: terms are extracted and quoted (FTS5) or passed
to ``plainto_tsquery`` (PostgreSQL), which has no operators.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import String, Text, UniqueConstraint, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, upsert_statement, utcnow
from dialogue.extensions import db

# Private-use characters mark highlights inside snippets: user text cannot contain
# them (they are stripped at indexing), and they survive HTML escaping unchanged.
MARK_START, MARK_END = "\ue000", "\ue001"
_STRIP = str.maketrans({MARK_START: None, MARK_END: None, "\x00": None})
MAX_QUERY_TERMS = 12


class SearchDocument(Base):
    """One searchable thing (a briefing, a finding, a forum thread ...)."""

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    ref_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    locality_id: Mapped[int | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class SearchResult:
    kind: str
    ref_id: int
    title: str
    url: str
    snippet: Markup
    locality_id: int | None


@dataclass(frozen=True)
class SearchPage:
    query: str
    items: list[SearchResult]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        """Page numbers with None for gaps (the same contract as ``db.paginate``)."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current <= number <= self.page + right_current):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def _clean(value: str) -> str:
    return (value or "").translate(_STRIP)


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def index_document(kind: str, ref_id: int, title: str, body: str, url: str,
                   locality_id: int | None = None) -> None:
    """Add or replace the search entry for (kind, ref_id)."""
    values = {"kind": kind, "ref_id": ref_id, "title": _clean(title)[:500],
              "body": _clean(body), "url": url, "locality_id": locality_id,
              "updated_at": utcnow()}
    db.session.execute(upsert_statement(
        db.engine.dialect.name, SearchDocument, values, key=("kind", "ref_id"),
        update=("title", "body", "url", "locality_id", "updated_at")))


def remove_document(kind: str, ref_id: int) -> None:
    """Drop the search entry for (kind, ref_id), if any."""
    db.session.execute(
        db.delete(SearchDocument).where(SearchDocument.kind == kind,
                                        SearchDocument.ref_id == ref_id)
    )


def query_terms(query: str) -> list[str]:
    """The words of a user's query, without any search-engine syntax."""
    return re.findall(r"\w+", _clean(query).lower())[:MAX_QUERY_TERMS]


def _fts5_match(terms: list[str]) -> str:
    # Each term becomes a quoted string (so AND, NEAR, column filters and * are just
    # text); the last one also matches as a prefix, for half-typed words.
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def highlight(snippet: str) -> Markup:
    """Escape a snippet, then turn the engine's highlight marks into <mark>."""
    escaped = html.escape(snippet or "", quote=True)
    # Safe: the whole snippet was escaped on the line above; only <mark> is added.
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704


def search(query: str, page: int = 1, per_page: int = 20,
           kinds: list[str] | tuple[str, ...] | None = None) -> SearchPage:
    """Full-text search; results best first with highlighted, escaped snippets."""
    page = max(1, page)
    terms = query_terms(query)
    if not terms:
        return SearchPage(query=query, items=[], total=0, page=page, per_page=per_page)
    params: dict = {"limit": per_page, "offset": (page - 1) * per_page}
    kind_filter = ""
    if kinds:
        kind_filter = "AND d.kind IN :kinds"
        params["kinds"] = list(kinds)
    # The SQL below is assembled only from constants; user text travels as :q.
    if _is_postgres():
        params["q"] = " ".join(terms)
        vector = "to_tsvector('english', d.title || ' ' || d.body)"
        source = "FROM search_documents d"
        where = " ".join(["WHERE", vector, "@@ plainto_tsquery('english', :q)", kind_filter])
        snippet = ("ts_headline('english', d.body, plainto_tsquery('english', :q), "
                   "'StartSel=" + MARK_START + ", StopSel=" + MARK_END + ", MaxWords=35, "
                   "MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"')")
        order = "ORDER BY ts_rank_cd(" + vector + ", plainto_tsquery('english', :q)) DESC, d.id"
    else:
        params["q"] = _fts5_match(terms)
        source = "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid"
        where = " ".join(["WHERE search_fts MATCH :q", kind_filter])
        snippet = ("snippet(search_fts, 1, '" + MARK_START + "', '" + MARK_END
                   + "', ' … ', 24)")
        order = "ORDER BY bm25(search_fts, 4.0, 1.0), d.id"
    count_sql = " ".join(["SELECT count(*)", source, where])
    rows_sql = " ".join([
        "SELECT d.kind, d.ref_id, d.title, d.url, d.locality_id,", snippet, "AS snippet",
        source, where, order, "LIMIT :limit OFFSET :offset",
    ])

    def _prepare(sql: str):
        statement = text(sql)
        if kinds:
            statement = statement.bindparams(bindparam("kinds", expanding=True))
        return statement

    count_params = {k: v for k, v in params.items() if k not in {"limit", "offset"}}
    total = db.session.execute(_prepare(count_sql), count_params).scalar_one()
    rows = db.session.execute(_prepare(rows_sql), params).all() if total else []
    items = [
        SearchResult(kind=row.kind, ref_id=row.ref_id, title=row.title, url=row.url,
                     snippet=highlight(row.snippet), locality_id=row.locality_id)
        for row in rows
    ]
    return SearchPage(query=query, items=items, total=total, page=page, per_page=per_page)


SQLITE_FTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]

POSTGRES_FTS = [
    """CREATE INDEX IF NOT EXISTS search_fts_documents ON search_documents
       USING GIN (to_tsvector('english', title || ' ' || body))""",
]


def install_search(connection: Connection) -> None:
    """Create the full-text objects for this database (idempotent)."""
    statements = POSTGRES_FTS if connection.dialect.name == "postgresql" else SQLITE_FTS
    for statement in statements:
        connection.exec_driver_sql(statement)
