"""Clinic-edited Markdown to safe HTML: Markdown renders, nh3 (ammonia) keeps a short list
of tags and attributes and drops the rest. Script, style and iframe elements go with their
content; event-handler and style attributes are not on the list; only http(s) and mailto
links survive, so a javascript: URL loses its href."""

import markdown
import nh3

TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "sup", "sub", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_LENGTH = 50_000


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math"},
        strip_comments=True,
    )
