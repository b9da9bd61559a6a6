"""The trusted markdown renderer for briefings, built once at import.

Briefing files are written by staff, so the renderer has the full feature set
(containers for findings, attributes, footnotes, heading anchors, tables, definition
lists, raw HTML); its output still goes through ``sanitise_trusted_html`` because a
staff account can be compromised.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from dialogue.markdown import sanitise_trusted_html

# Bump when the rendering changes, so a re-import re-renders every briefing.
RENDERER_VERSION = "1"


def _slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"section-{slug[:60]}" if slug else "section"


def build_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table")
    container_plugin(md, "finding")
    attrs_plugin(md)
    attrs_block_plugin(md)
    footnote_plugin(md)
    deflist_plugin(md)
    anchors_plugin(md, min_level=2, max_level=2, slug_func=_slugify)
    return md


briefing_md = build_renderer()


def render_tokens(tokens, env: dict) -> str:
    """Render a slice of tokens and sanitise the result."""
    return sanitise_trusted_html(briefing_md.renderer.render(tokens, briefing_md.options, env))


def render_briefing_markdown(text: str) -> str:
    """Trusted briefing markdown to sanitised HTML (whole documents; used by tests and
    for prose without findings)."""
    env: dict = {}
    return render_tokens(briefing_md.parse(text, env), env)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (for search and exports)."""
    stripped = nh3.clean(re.sub(r"<(/p|br|/li|/h\d|/dd|/dt)>", r"\n<\1>", fragment), tags=set())
    return re.sub(r"[ \t]+", " ", html.unescape(stripped)).strip()


def figure_html(figure) -> str:
    """A key figure as a static callout (for the stored HTML and the PDF)."""
    e = html.escape
    return (
        '<figure class="figure-callout">'
        f'<p class="value">{e(figure["value"])}</p>'
        f'<figcaption><dl class="figure-callout__facts">'
        f'<dt>What it measures</dt><dd>{e(figure["measures"])}</dd>'
        f'<dt>Base</dt><dd>{e(figure["base"])}</dd>'
        f'<dt>Source</dt><dd>{e(figure["source_label"])}</dd>'
        "</dl></figcaption></figure>"
    )
