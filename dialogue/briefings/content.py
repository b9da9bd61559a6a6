"""Reading and checking ``content/briefings/*.md``.

``load_content(directory)`` parses every file, renders it with the trusted renderer and
checks it (front matter, finding ids, figure blocks, glossary references, internal
links), returning the parsed briefings and a list of ``ContentError`` (``file:line:
message``). Nothing here touches the database; ``services.import_content`` writes.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dialogue.briefings.front_matter import (
    ContentError,
    FrontMatter,
    body_start,
    is_text,
    key_line,
    parse_front_matter,
)
from dialogue.briefings.rendering import (
    RENDERER_VERSION,
    briefing_md,
    figure_html,
    html_to_text,
    render_tokens,
)
from dialogue.markdown import sanitise_trusted_html

FINDING_INFO_RE = re.compile(r"^finding\s+\{#([a-z0-9][a-z0-9-]{0,119})\}\s*$")
CONTAINER_LINE_RE = re.compile(r"^\s{0,3}(:{3,})\s*(.*)$")
FIGURE_KEYS = {"value", "measures", "base", "source"}
GLOSSARY_LINK = "glossary:"

__all__ = ["ContentError", "ParsedBriefing", "ParsedFinding", "load_content"]


@dataclass
class ParsedFinding:
    key: str
    title: str
    body_html: str
    body_text: str
    figures: list[dict]
    terms: list[dict]
    position: int
    line: int


@dataclass
class ParsedBriefing(FrontMatter):
    """A briefing file: its checked front matter, then what the body gives."""

    path: Path
    body: str = ""
    body_line: int = 1
    raw: bytes = b""
    body_html: str = ""
    segments: list[dict] = field(default_factory=list)
    toc: list[dict] = field(default_factory=list)
    findings: list[ParsedFinding] = field(default_factory=list)
    content_hash: str = ""
    # (line, href) of links to other briefings, checked once every file is parsed.
    internal_links: list[tuple[int, str]] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


class _Body:
    """Walks one briefing body's tokens: findings, figures, links, segments."""

    def __init__(self, briefing: ParsedBriefing, name: str, glossary: dict[str, dict],
                 glossary_slug: str, errors: list[ContentError]):
        self.b = briefing
        self.name = name
        self.glossary = glossary
        self.glossary_slug = glossary_slug
        self.errors = errors
        self.env: dict = {}

    def line(self, token) -> int:
        return self.b.body_line + (token.map[0] if token and token.map else 0)

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.name, line, message))

    def check_container_lines(self) -> None:
        for index, text in enumerate(self.b.body.split("\n")):
            match = CONTAINER_LINE_RE.match(text)
            if match and match.group(2) and not match.group(2).startswith("finding"):
                self.error(self.b.body_line + index,
                           f"unknown block '{match.group(2)}' (only 'finding' blocks exist)")

    def rewrite_inline(self, tokens, line: int, used_terms: dict[str, dict]) -> None:
        """Glossary links become links to the glossary with the definition; internal
        links are recorded for checking; images must be the app's own static files."""
        for token in tokens:
            if token.type == "inline" and token.children:
                self.rewrite_inline(token.children, self.line(token), used_terms)
            elif token.type == "link_open":
                href = token.attrGet("href") or ""
                if href.startswith(GLOSSARY_LINK):
                    key = href[len(GLOSSARY_LINK):]
                    term = self.glossary.get(key)
                    if term is None:
                        self.error(line, f"unknown glossary term '{key}'")
                        continue
                    used_terms.setdefault(key, term)
                    token.attrSet("href", f"/briefings/{self.glossary_slug}#term-{key}")
                    token.attrSet("class", "dialogue-term")
                    token.attrSet("title", term["definition"])
                elif href.startswith(("/briefings/", "/findings/")):
                    self.b.internal_links.append((line, href))
                elif href.startswith("#"):
                    self.b.internal_links.append((line, f"/briefings/{self.b.slug}{href}"))
            elif token.type == "image":
                src = token.attrGet("src") or ""
                if not src.startswith("/static/"):
                    self.error(line, f"images must be files under /static/, not '{src}'")

    def parse_figure(self, token, sources: dict[str, str]) -> dict | None:
        line = self.line(token) + 1
        try:
            data = yaml.safe_load(token.content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line += mark.line if mark is not None else 0
            self.error(line, f"figure block is not valid YAML: "
                             f"{getattr(exc, 'problem', None) or exc}")
            return None
        if not isinstance(data, dict):
            self.error(line, "figure block must contain value, measures, base and source")
            return None
        missing, extra = FIGURE_KEYS - set(data), set(data) - FIGURE_KEYS
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(sorted(missing)))
            if extra:
                parts.append("unexpected " + ", ".join(sorted(map(str, extra))))
            self.error(line, "figure block: " + "; ".join(parts))
            return None
        value = data["value"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not all(is_text(v) for v in (value, data["measures"], data["base"],
                                         data["source"])):
            self.error(line, "figure block: value, measures, base and source must be text")
            return None
        if data["source"] not in sources:
            self.error(line, f"figure source '{data['source']}' is not one of this file's "
                             f"sources ({', '.join(sources) or 'none'})")
            return None
        if len(value) > 60:
            self.error(line, "figure value is too long (60 characters at most)")
            return None
        return {"value": value.strip(), "measures": data["measures"].strip(),
                "base": data["base"].strip(), "source_key": data["source"],
                "source_label": sources[data["source"]]}

    def parse_finding(self, tokens, position: int) -> ParsedFinding | None:
        open_token = tokens[0]
        line = self.line(open_token)
        match = FINDING_INFO_RE.match(open_token.info.strip())
        if not match:
            self.error(line, "a finding needs an id: ':::: finding {#some-id}'")
            return None
        key = match.group(1)
        if not tokens[-1].markup:  # the container plugin closes an open block at the end
            self.error(line, f"finding '{key}' is not closed with '::::'")
        inner = tokens[1:-1]
        if not (len(inner) >= 3 and inner[0].type == "heading_open" and inner[0].tag == "h3"):
            self.error(line, f"finding '{key}' must start with a '### ' headline")
            return None
        title = inner[1].content.strip()
        body_tokens, figures = [], []
        sources = {s["key"]: s["label"] for s in self.b.sources}
        for token in inner[3:]:
            if token.type == "fence" and token.info.strip() == "figure":
                figure = self.parse_figure(token, sources)
                if figure is not None:
                    figures.append(figure)
            elif token.type.startswith("container_finding"):
                self.error(self.line(token), "findings cannot be nested")
                return None
            else:
                body_tokens.append(token)
        used: dict[str, dict] = {}
        self.rewrite_inline(inner[1:2] + body_tokens, line, used)
        body_html = render_tokens(body_tokens, self.env)
        return ParsedFinding(
            key=key, title=title, body_html=body_html, body_text=html_to_text(body_html),
            figures=figures, terms=[dict(t, key=k) for k, t in used.items()],
            position=position, line=line,
        )

    def flush_prose(self, prose: list, html_parts: list[str]) -> None:
        """Render the prose gathered since the last finding as one segment."""
        if prose:
            self.rewrite_inline(prose, self.line(prose[0]), {})
            rendered = render_tokens(prose, self.env)
            if rendered.strip():
                self.b.segments.append({"html": rendered})
                html_parts.append(rendered)
            prose.clear()

    def add_finding(self, tokens, html_parts: list[str]) -> None:
        """Parse one finding block's tokens and add it to the briefing."""
        finding = self.parse_finding(tokens, len(self.b.findings))
        if finding is None:
            return
        self.b.findings.append(finding)
        self.b.segments.append({"finding": finding.key})
        self.b.toc.append({"id": finding.key, "title": finding.title, "level": 3})
        self.b.anchors.add(finding.key)
        html_parts.append(
            f'<section class="finding" id="{finding.key}">'
            f"<h2>{html.escape(finding.title, quote=True)}</h2>{finding.body_html}"
            + "".join(figure_html(f) for f in finding.figures) + "</section>"
        )

    def note_prose_token(self, tokens, index: int) -> None:
        """A figure outside a finding is an error; a section heading joins the contents."""
        token = tokens[index]
        if token.type == "fence" and token.info.strip() == "figure":
            self.error(self.line(token), "figure blocks belong inside a finding")
        if token.type == "heading_open" and token.tag == "h2":
            anchor = token.attrGet("id")
            self.b.toc.append({"id": anchor, "title": tokens[index + 1].content, "level": 2})
            self.b.anchors.add(anchor)

    def run(self) -> None:
        """Walk the body: prose segments between findings, each finding parsed on its own."""
        self.check_container_lines()
        tokens = briefing_md.parse(self.b.body, self.env)
        prose: list = []
        html_parts: list[str] = []
        index = 0
        while index < len(tokens):
            if tokens[index].type == "container_finding_open":
                end = _block_end(tokens, index)
                self.flush_prose(prose, html_parts)
                self.add_finding(tokens[index:end + 1], html_parts)
                index = end + 1
                continue
            self.note_prose_token(tokens, index)
            prose.append(tokens[index])
            index += 1
        self.flush_prose(prose, html_parts)
        for term in self.b.glossary_terms:
            self.b.anchors.add(f"term-{term['key']}")
        self.b.body_html = sanitise_trusted_html("".join(html_parts))


def _block_end(tokens, start: int) -> int:
    """The index of the token closing the finding block opened at ``start``."""
    depth, end = 0, start
    for end in range(start, len(tokens)):
        if tokens[end].type == "container_finding_open":
            depth += 1
        elif tokens[end].type == "container_finding_close":
            depth -= 1
            if depth == 0:
                break
    return end


def _hash(briefing: ParsedBriefing, glossary_raw: bytes) -> str:
    """What the import compares: the renderer's version, the file and the glossary."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    digest.update(briefing.raw)
    digest.update(glossary_raw)  # definitions are rendered into every briefing
    return digest.hexdigest()


def _read(path: Path, errors: list[ContentError]) -> ParsedBriefing | None:
    """One file's front matter and body, or None with the reasons added to ``errors``."""
    name = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(ContentError(name, raw[: exc.start].count(b"\n") + 1,
                                   "the file is not valid UTF-8"))
        return None
    if "\x00" in text:
        errors.append(ContentError(name, text[: text.index("\x00")].count("\n") + 1,
                                   "the file contains a NUL byte"))
        return None
    front = parse_front_matter(name, text, errors)
    if front is None:
        return None
    start = body_start(text)
    return ParsedBriefing(path=path, **vars(front), body="\n".join(text.split("\n")[start:]),
                          body_line=start + 1, raw=raw)


def _by_slug(briefings: list[ParsedBriefing],
             errors: list[ContentError]) -> dict[str, ParsedBriefing]:
    """The briefings by slug; a slug used twice is an error at the second file."""
    by_slug: dict[str, ParsedBriefing] = {}
    for briefing in briefings:
        if briefing.slug in by_slug:
            errors.append(ContentError(
                str(briefing.path), key_line(briefing.raw.decode(), "slug"),
                f"slug '{briefing.slug}' is also used by {by_slug[briefing.slug].path.name}"))
        by_slug[briefing.slug] = briefing
    return by_slug


@dataclass
class _Glossary:
    """The one glossary file's terms, its slug and its source (hashed into every file)."""

    terms: dict[str, dict]
    slug: str
    raw: bytes

    @classmethod
    def find(cls, briefings: list[ParsedBriefing], errors: list[ContentError]) -> _Glossary:
        """The glossary among ``briefings``; a second one is an error."""
        glossaries = [b for b in briefings if b.is_glossary]
        if len(glossaries) > 1:
            errors.append(ContentError(str(glossaries[1].path), 1,
                                       "only one glossary file allowed"))
        first = glossaries[0] if glossaries else None
        return cls(terms={t["key"]: t for g in glossaries for t in g.glossary_terms},
                   slug=first.slug if first else "glossary", raw=first.raw if first else b"")


def _render_bodies(briefings: list[ParsedBriefing], glossary: _Glossary,
                   errors: list[ContentError]) -> dict[str, tuple[str, int]]:
    """Render every body; return where each finding id is defined (file, line)."""
    finding_files: dict[str, tuple[str, int]] = {}
    for briefing in briefings:
        name = str(briefing.path)
        _Body(briefing, name, glossary.terms, glossary.slug, errors).run()
        for finding in briefing.findings:
            if finding.key in finding_files:
                other, other_line = finding_files[finding.key]
                errors.append(ContentError(name, finding.line, f"duplicate finding id "
                                           f"'{finding.key}' (first used at {other}:"
                                           f"{other_line})"))
            else:
                finding_files[finding.key] = (name, finding.line)
        briefing.content_hash = _hash(briefing, glossary.raw)
    return finding_files


def load_content(directory: str | Path) -> tuple[list[ParsedBriefing], list[ContentError]]:
    """Parse, render and check every briefing file; errors are ``file:line: message``."""
    directory = Path(directory)
    files = sorted(directory.glob("*.md"))
    if not files:
        return [], [ContentError(str(directory), 0, "no briefing files (*.md) found")]
    errors: list[ContentError] = []
    briefings = [b for b in (_read(path, errors) for path in files) if b is not None]
    by_slug = _by_slug(briefings, errors)
    finding_files = _render_bodies(briefings, _Glossary.find(briefings, errors), errors)
    for briefing in briefings:
        for line, href in briefing.internal_links:
            problem = _check_link(href, by_slug, finding_files)
            if problem:
                errors.append(ContentError(str(briefing.path), line, problem))
    errors.sort(key=lambda e: (e.file, e.line))
    briefings.sort(key=lambda b: (b.order, b.slug))
    return briefings, errors


def _check_link(href: str, by_slug: dict[str, ParsedBriefing],
                finding_files: dict[str, tuple[str, int]]) -> str | None:
    path, _, fragment = href.partition("#")
    if path.startswith("/findings/"):
        key = path[len("/findings/"):].rstrip("/")
        return None if key in finding_files else f"broken link '{href}': no finding '{key}'"
    slug = path[len("/briefings/"):].rstrip("/")
    if slug.endswith(".pdf"):
        slug = slug[:-4]
    if slug == "":
        return None
    target = by_slug.get(slug)
    if target is None:
        return f"broken link '{href}': no briefing '{slug}'"
    if fragment and fragment not in target.anchors:
        return f"broken link '{href}': no finding or section '{fragment}' in '{slug}'"
    return None
