"""Fixtures for the browser journeys.

One headless Chromium per test session (pytest-playwright's `browser`), one browser context
per person in a journey, pages served by pytest-django's `live_server` over a transactional
database. Screenshots of every page a journey visits go to var/screenshots/.
"""

import itertools
import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ldnclinic.conftest import PASSWORD

# Playwright's sync API keeps an event loop running in the test thread, so Django would
# refuse the test's own database calls with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("/usr/bin/chromium")
# The network is closed: without these flags Chromium tries to reach Google at each start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = "Chromium not found (apt-get install chromium): browser journeys skipped."

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "assets" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = ("serious", "critical")

# Chromium logs a document answered with 4xx as a console error; the journeys expect
# those (a refused sign-in is a 400, someone else's chart a 404).
EXPECTED_STATUS_ERROR = "Failed to load resource: the server responded with a status of 4"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": VIEWPORT,
        "locale": "en-US",
        "timezone_id": "America/New_York",
    }


@pytest.fixture(scope="session")
def axe_source():
    return AXE_JS.read_text(encoding="utf-8")


class Visitor:
    """One person at their own browser: signs in, looks at pages, and keeps what the
    console said so that each page can be checked for policy errors."""

    def __init__(self, page, who, journey, shot_numbers, axe_source):
        self.page = page
        self.who = who
        self.journey = journey
        self.shot_numbers = shot_numbers
        self.axe_source = axe_source
        self.console_errors = []
        self.failed_resources = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._on_console)
        page.on("response", self._on_response)
        page.on("pageerror", lambda error: self.console_errors.append(f"Uncaught: {error}"))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_response(self, response):
        # A page may be a 4xx on purpose; what it loads (CSS, htmx, fragments) may not.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_resources.append(f"{response.status} {response.url}")

    def log_in(self, email, password=PASSWORD):
        """Sign in through the form, as a person would."""
        self.page.goto("/login/")
        expect(self.page.get_by_role("heading", name="Sign in")).to_be_visible()
        self.look("login", axe=True)
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def look(self, label, *, axe=False):
        """Screenshot the page; check the console, and with `axe` its accessibility.
        Call it once the page shows what the journey waited for."""
        number = next(self.shot_numbers)
        name = f"{self.journey}-{number:02d}-{self.who}-{label}.png"
        self.page.screenshot(path=SCREENSHOTS / name, full_page=True)
        self.assert_clean_console()
        if axe:
            self.assert_accessible()

    def csp_errors(self):
        return [
            text
            for text in self.console_errors
            if "Content Security Policy" in text or "Content-Security-Policy" in text
        ]

    def assert_clean_console(self):
        errors = self.csp_errors()
        assert not errors, f"CSP errors on {self.page.url}:\n" + "\n".join(errors)
        unexpected = [e for e in self.console_errors if not e.startswith(EXPECTED_STATUS_ERROR)]
        assert not unexpected, f"Console errors on {self.page.url}:\n" + "\n".join(unexpected)
        assert not self.failed_resources, f"Failed to load on {self.page.url}:\n" + "\n".join(
            self.failed_resources
        )

    def assert_accessible(self):
        # page.evaluate runs outside the page's CSP; a <script> tag would be refused.
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.axe_source)
        results = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            print(f"axe violations on {self.page.url}:\n{describe_violations(blocking)}")
        assert not blocking, f"axe: {len(blocking)} serious/critical on {self.page.url}:\n" + (
            describe_violations(blocking)
        )


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.fixture
def open_browser(new_context, request, live_server, transactional_db, axe_source):
    """open_browser("admin") -> a Visitor with a fresh context (own cookies) and page."""
    journey = request.node.originalname.removeprefix("test_")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{journey}-*.png"):
        old.unlink()
    shot_numbers = itertools.count(1)

    def open_as(who):
        page = new_context().new_page()
        return Visitor(page, who, journey, shot_numbers, axe_source)

    return open_as
