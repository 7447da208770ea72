import pytest

from ldnclinic.website.markup import render_markdown


def test_it_renders_markdown():
    html = render_markdown(
        "## Head\n\n**bold** [PubMed](https://pubmed.ncbi.nlm.nih.gov/1/)\n\n|a|b|\n|-|-|\n|1|2|"
    )
    assert "<h2>Head</h2>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/1/"' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_it_removes_script_tags_and_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html and "world" in html


@pytest.mark.parametrize(
    "text",
    [
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        '<a href="https://e.test" onmouseover="alert(1)">x</a>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_it_removes_event_handlers(text):
    html = render_markdown(text)
    assert "alert" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    ],
)
def test_it_removes_javascript_urls(text):
    html = render_markdown(text)
    assert "javascript" not in html.lower()
    assert "data:" not in html


def test_it_removes_iframes_styles_and_style_attributes():
    html = render_markdown(
        '<iframe src="https://evil.test"></iframe><style>body{display:none}</style>'
        '<p style="position:fixed">text</p>'
    )
    assert "iframe" not in html
    assert "<style" not in html and "display:none" not in html
    assert "style=" not in html
    assert "text" in html


def test_links_get_a_safe_rel():
    assert 'rel="noopener noreferrer"' in render_markdown("[x](https://e.test)")
