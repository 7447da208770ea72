"""The texts of the public pages: the defaults in website/content/<key>.md (front matter,
then Markdown with each fact's source and grade), overridden by the clinic's published
version when there is one."""

import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import timezone
from django.utils.safestring import mark_safe

from ldnclinic.website.markup import render_markdown

CONTENT_DIR = Path(__file__).parent / "content"


@dataclass(frozen=True)
class Therapy:
    slug: str
    name: str
    adjunct: str  # protocols/data/adjuncts.json code
    screens: tuple[str, ...]  # screening rules' applies_to values


THERAPIES = {
    t.slug: t
    for t in (
        Therapy("laser", "Laser", "laser", ("laser",)),
        Therapy("microneedling-prp", "Microneedling + PRP", "microneedling-prp", ("microneedling", "prp")),  # noqa: E501
        Therapy("led", "LED light", "led", ("led",)),
        Therapy("topicals", "Topicals", "topical", ("topical",)),
    )
}  # fmt: skip

PAGE_KEYS = ("home", "ldn", "safety", *(f"therapy-{slug}" for slug in THERAPIES))


@dataclass(frozen=True)
class Default:
    key: str
    title: str
    description: str
    reviewed: datetime.date
    markdown: str


@dataclass(frozen=True)
class PageText:
    key: str
    title: str
    description: str
    reviewed: datetime.date
    html: str
    is_default: bool


def _parse(key: str, text: str) -> Default:
    head, _, body = text.partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.strip().splitlines())
    return Default(
        key=key,
        title=meta["title"],
        description=meta["description"],
        reviewed=datetime.date.fromisoformat(meta["reviewed"]),
        markdown=body.strip() + "\n",
    )


@cache
def default_page(key: str) -> Default:
    if key not in PAGE_KEYS:
        raise KeyError(key)
    return _parse(key, (CONTENT_DIR / f"{key}.md").read_text(encoding="utf-8"))


@cache
def _default_html(key: str) -> str:
    return render_markdown(default_page(key).markdown)


def page_text(clinic, key: str) -> PageText:
    """What the public page `key` says for this clinic (its published text, else ours)."""
    from ldnclinic.website.models import SitePage

    default = default_page(key)
    page = None
    if clinic is not None:
        page = (
            SitePage.objects.filter(clinic=clinic, key=key, published__isnull=False)
            .select_related("published")
            .first()
        )
    if page is None:
        html, reviewed, is_default = _default_html(key), default.reviewed, True
    else:
        version = page.published
        html = version.html
        reviewed = timezone.localdate(version.published_at, clinic.tz)
        is_default = False
    return PageText(
        key=key,
        title=default.title,
        description=default.description,
        reviewed=reviewed,
        html=mark_safe(html),  # noqa: S308 (sanitised by render_markdown when published)
        is_default=is_default,
    )
