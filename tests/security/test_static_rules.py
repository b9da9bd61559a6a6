"""Static checks run by ``make test``: our three rules (bandit runs in ``make lint``).

The rules are also written for semgrep in ``semgrep/dialogue.yml``; this test enforces
the same three without semgrep (a 70 MB download with its own pinned dependencies,
which phones home unless told not to), so every run of the suite checks them:

1. No ``|safe`` or ``Markup(...)`` on user data. ``|safe`` may only mark HTML our
   renderers produced (an expression ending in ``html``: ``body_html``, ``segment.html``);
   every ``Markup(`` carries a ``# noqa: S704 - <why this is not user text>`` reason
   (or its ``noqa`` follows a comment line giving it).
2. No markdown renderer with raw HTML for user text: the user renderer in
   ``dialogue/markdown.py`` uses the ``js-default`` preset with HTML off; renderers
   with HTML on exist only for trusted briefings; no other markdown library is used.
3. No WeasyPrint outside ``dialogue/pdf.py`` (whose URL fetcher is locked down).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dialogue"

# Renderers allowed to turn raw HTML on: trusted, reviewed content only.
TRUSTED_MARKDOWN_FILES = {"dialogue/briefings/rendering.py"}
USER_MARKDOWN_FILE = "dialogue/markdown.py"
PDF_FILE = "dialogue/pdf.py"
OTHER_MARKDOWN_LIBRARIES = {"markdown", "mistune", "commonmark", "markdown2", "mistletoe"}
# Markup() calls reviewed by hand, with the reason (file, source of the call).
REVIEWED_MARKUP = {
    ("dialogue/moderation/views.py", "Markup(item)"):
        "item is the moderation queue fragment our own template just rendered",
}

SAFE_FILTER = re.compile(r"\{\{(?P<expr>[^}]*?)\|\s*safe\b")
NOQA_WITH_REASON = re.compile("#\\s*noqa:\\s*S704\\s*[-(\u2013]\\s*\\S+")


def _python_files():
    return sorted(p for p in PACKAGE.rglob("*.py") if "static" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def safe_filter_problems(text: str, name: str) -> list[str]:
    problems = []
    for match in SAFE_FILTER.finditer(text):
        expr = match.group("expr").strip()
        if not re.search(r"(^|[._])html$", expr):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{name}:{line}: |safe on {expr!r} (only *_html renderer output)")
    return problems


def markup_problems(source: str, name: str) -> list[str]:
    problems = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Markup":
            call = ast.get_source_segment(source, node) or ""
            if (name, call) in REVIEWED_MARKUP:
                continue
            if all(isinstance(arg, ast.Constant) for arg in node.args) and not node.keywords:
                continue  # Markup("") or another literal: no user text can be in it
            span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            explained = "noqa: S704" in "".join(span) and above.startswith("#")
            if not explained and not any(NOQA_WITH_REASON.search(line) for line in span):
                problems.append(f"{name}:{node.lineno}: Markup(...) without a "
                                "'# noqa: S704 - reason' saying why it is not user text")
    return problems


def markdown_problems(source: str, name: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            for module in modules:
                if module.split(".")[0] in OTHER_MARKDOWN_LIBRARIES:
                    problems.append(f"{name}:{node.lineno}: imports {module}; use "
                                    "dialogue.markdown (markdown-it-py) instead")
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "MarkdownIt":
            preset = node.args[0].value if node.args and isinstance(
                node.args[0], ast.Constant) else "commonmark"
            html_on = preset in ("commonmark", "gfm-like") or any(
                isinstance(arg, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value == "html"
                    and isinstance(v, ast.Constant) and v.value
                    for k, v in zip(arg.keys, arg.values, strict=True))
                for arg in node.args[1:])
            if html_on and name not in TRUSTED_MARKDOWN_FILES:
                problems.append(f"{name}:{node.lineno}: MarkdownIt with raw HTML on "
                                f"(preset {preset!r}) outside the trusted briefing renderer")
            if name == USER_MARKDOWN_FILE and preset != "js-default":
                problems.append(f"{name}:{node.lineno}: the user renderer must use js-default")
    return problems


def weasyprint_problems(source: str, name: str) -> list[str]:
    if name == PDF_FILE:
        return []
    problems = []
    for node in ast.walk(ast.parse(source)):
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        for module in modules:
            if module.split(".")[0] == "weasyprint":
                problems.append(f"{name}:{node.lineno}: WeasyPrint outside dialogue/pdf.py; "
                                "call dialogue.pdf.render_pdf")
    return problems


def test_no_safe_filter_on_user_data():
    problems = []
    for template in sorted((PACKAGE / "templates").rglob("*.html")):
        problems += safe_filter_problems(template.read_text(encoding="utf-8"), _rel(template))
    assert not problems, "\n".join(problems)


def test_every_markup_call_says_why_it_is_not_user_text():
    problems = []
    for path in _python_files():
        problems += markup_problems(path.read_text(encoding="utf-8"), _rel(path))
    assert not problems, "\n".join(problems)


def test_no_markdown_renderer_with_raw_html_for_user_text():
    problems = []
    for path in _python_files():
        problems += markdown_problems(path.read_text(encoding="utf-8"), _rel(path))
    assert not problems, "\n".join(problems)
    assert "js-default" in (ROOT / USER_MARKDOWN_FILE).read_text(encoding="utf-8")


def test_weasyprint_only_through_dialogue_pdf():
    problems = []
    for path in _python_files():
        problems += weasyprint_problems(path.read_text(encoding="utf-8"), _rel(path))
    assert not problems, "\n".join(problems)


# The rules must catch what they are about: each checker against a bad sample.
@pytest.mark.parametrize("checker, sample, name", [
    (safe_filter_problems, "<p>{{ post.body | safe }}</p>", "t.html"),
    (safe_filter_problems, "<p>{{ user.display_name|safe }}</p>", "t.html"),
    (markup_problems, "from markupsafe import Markup\nx = Markup(user_text)\n", "dialogue/x.py"),
    (markup_problems, "x = Markup(user_text)  # noqa: S704\n", "dialogue/x.py"),
    (markup_problems, "x = Markup('<b>' + user_text)\n", "dialogue/x.py"),
    (markdown_problems, "from markdown_it import MarkdownIt\nmd = MarkdownIt()\n",
     "dialogue/x.py"),
    (markdown_problems, "md = MarkdownIt('js-default', {'html': True})\n", "dialogue/x.py"),
    (markdown_problems, "import mistune\n", "dialogue/x.py"),
    (markdown_problems, "md = MarkdownIt('commonmark')\n", USER_MARKDOWN_FILE),
    (weasyprint_problems, "from weasyprint import HTML\n", "dialogue/reports/x.py"),
    (weasyprint_problems, "import weasyprint.urls\n", "dialogue/x.py"),
])
def test_rules_catch_bad_code(checker, sample, name):
    assert checker(sample, name)


@pytest.mark.parametrize("checker, sample, name", [
    (safe_filter_problems, "{{ post.body_html | safe }} {{ segment.html|safe }}", "t.html"),
    (markup_problems, "x = Markup(svg)  # noqa: S704 - made by segno\n", "dialogue/x.py"),
    (markup_problems, "x = Markup('').join(parts)\n", "dialogue/x.py"),
    (markdown_problems, "md = MarkdownIt('js-default', {'linkify': True})\n", "dialogue/x.py"),
    (weasyprint_problems, "from weasyprint import HTML\n", PDF_FILE),
])
def test_rules_allow_good_code(checker, sample, name):
    assert not checker(sample, name)

