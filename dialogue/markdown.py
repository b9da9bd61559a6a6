"""The two markdown renderers, each built once at import.

* ``render_user_markdown``: untrusted text (comments, posts, answers). The ``js-default``
  preset has raw HTML off and refuses ``javascript:``/``vbscript:``/``file:``/``data:``
  links; nh3 then applies an allowlist with no images (an image would make every
  reader's browser fetch a URL chosen by the author), no ids or classes (DOM
  clobbering), and ``rel="nofollow ugc noopener"`` on links.
* ``render_briefing_markdown`` (in ``dialogue.briefings.rendering``) is for trusted
  briefing content and still passes through ``sanitise_trusted_html``.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

USER_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "del", "s",
}
USER_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
SAFE_URL_SCHEMES = {"http", "https", "mailto"}

_user_md = MarkdownIt("js-default", {"linkify": True, "typographer": False}).enable(
    ["linkify", "strikethrough"]
)


def _tame_tokens(tokens) -> None:
    """Headings start at h3 (user text sits inside a page's outline) and images become
    plain links to the image, so no reader's browser fetches them unasked."""
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
        if token.children:
            children = []
            for child in token.children:
                if child.type == "image":
                    link_open = Token("link_open", "a", 1, attrs={"href": child.attrGet("src")})
                    text = Token("text", "", 0, content=child.content or child.attrGet("src"))
                    children += [link_open, text, Token("link_close", "a", -1)]
                else:
                    children.append(child)
            token.children = children


def render_user_markdown(text: str) -> str:
    """Untrusted markdown to safe HTML."""
    tokens = _user_md.parse(text or "")
    _tame_tokens(tokens)
    html = _user_md.renderer.render(tokens, _user_md.options, {})
    return nh3.clean(
        html,
        tags=USER_TAGS,
        attributes=USER_ATTRIBUTES,
        url_schemes=SAFE_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


TRUSTED_TAGS = USER_TAGS | {
    "h1", "h2", "img", "table", "thead", "tbody", "tr", "th", "td", "caption", "dl", "dt",
    "dd", "section", "article", "aside", "figure", "figcaption", "div", "span", "sup",
    "sub", "abbr", "dfn", "details", "summary", "nav", "small", "mark", "ins", "data",
}
TRUSTED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "lang", "title", "aria-label", "aria-labelledby",
          "aria-describedby", "role", "data-finding-id", "data-value"},
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "data": {"value"},
}


def sanitise_trusted_html(html: str) -> str:
    """Allowlist for briefing HTML: structure and ids kept, no script or handlers.

    Links may only point at http(s), mailto or same-site paths; images only at the
    app's own static files (checked by the briefing renderer before this).
    """
    return nh3.clean(
        html,
        tags=TRUSTED_TAGS,
        attributes=TRUSTED_ATTRIBUTES,
        url_schemes=SAFE_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
