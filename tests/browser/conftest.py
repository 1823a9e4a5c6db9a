"""Browser fixtures: the real app under gunicorn, headless Chromium, and pages that record what went wrong."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from helpers import free_port, process_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason):
    # A browser test that silently skips in CI tests nothing, so there a missing browser is a failure.
    if _in_ci():
        pytest.fail(f"{reason} (CI is set: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, shared by every browser test."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is not installed: pip install -e '.[test]'")
    executable = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else shutil.which("chromium")
    if not executable:
        _unavailable("No Chromium: apt-get install -y chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def live_server(app, settings, tmp_path):
    """The base URL of the app served by gunicorn (2 workers) on this test's fresh database.

    Depends on `app` so that make_user and make_org write to the same database."""
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            # --preload: the app is imported once, before the workers fork (quicker on a busy machine).
            [BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--preload", "app:create_app()"],
            cwd=ROOT, env=process_env(settings, app), stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not become healthy:\n{log_path.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Pages:
    """Opens pages on the live server, each in its own context (its own cookies), and records for all of
    them console errors, uncaught exceptions and any request to a host other than the server."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.problems = []
        self.contexts = []
        # Chromium reports every error status, even of a page a test means to be refused, as a console error.
        self.expected_statuses = set()

    def expect_status(self, path, status):
        """Let path answer with an error status without that counting as a console error."""
        self.expected_statuses.add((urljoin(self.base_url, path), status))

    def new(self):
        context = self.browser.new_context(base_url=self.base_url, locale="en-GB", timezone_id="Europe/London")
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._check_console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception on {page.url}: {error}"))
        page.on("request", self._check_host)
        return page

    def _check_console(self, page, message):
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if any(source == url and f"status of {status} " in message.text for url, status in self.expected_statuses):
            return
        self.problems.append(f"console error on {page.url} (from {source}): {message.text}")

    def _check_host(self, request):
        parts = urlsplit(request.url)
        # data: and blob: URLs (Bootstrap's inline SVG icons) never leave the browser.
        if parts.scheme not in ("data", "blob") and parts.netloc != self.host:
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def finish(self, page, journey):
        """Save the journey's last page as test-artifacts/<journey>.png, then check nothing went wrong."""
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{journey}.png", full_page=True)
        assert self.problems == []

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server):
    pages = Pages(browser, live_server)
    yield pages
    pages.close()

