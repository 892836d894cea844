"""The browser suite: real Chromium (Debian's `chromium`) against pytest-django's live server.

Every test under tests/browser is marked `browser` (select with `-m browser`, leave out with
`-m "not browser"`). A missing chromium fails every browser test; it never skips.

Fixtures (names are stable; other browser tests build on them):

    live_url            base URL of the live server, e.g. "http://localhost:41234" (no trailing slash).
    cast                the shared cast of tests/cast.py, in the live server's database; staff roles that
                        need two-factor sign-in (the production default) carry an authenticator secret.
    sign_in             sign_in(user, screen="desktop") → a Playwright Page signed in through the real
                        login form (username, password, then the 6-digit code when the 2FA gate asks),
                        sitting on the user's home page. `user` is a cast user (or a username).
                        A second call for the same user reuses the signed-in session (codes work once).
    anon_page           anon_page(screen="desktop") → a Page in a fresh context, not signed in.
    screen              parametrized "desktop" (1366×800) and "phone" (390×844): a test that takes it runs
                        at both sizes; pass it on to sign_in / anon_page.
    SCREENS             the viewport dict behind those names (module constant, importable).

Every page these fixtures open is watched: an uncaught JavaScript error or any HTTP 5xx answer the page
receives fails the test at teardown, whatever the test itself asserted. Dialogs (window.confirm) are
left to the test: register `page.once("dialog", lambda d: d.accept())` (or dismiss) before the click.
"""

from __future__ import annotations

import os
import shutil

import pyotp
import pytest

from banli.demo.build import DEMO_TOTP_SECRET

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test
# (building the cast, checking results) are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BANLI_CHROMIUM", "/usr/bin/chromium")
SCREENS = {
    "desktop": {"width": 1366, "height": 800},
    "phone": {"width": 390, "height": 844},
}
# The production default, restored here (tests/conftest.py relaxes it for the force_login tests).
TWO_FACTOR_ROLES = ["sysadmin", "secadmin", "auditor", "body_staff", "coordinator"]
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        pytest.fail(
            f"chromium not found at {CHROMIUM}: the browser suite needs Debian's chromium "
            "(`make test` installs it; or `apt-get install chromium`).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": ["--no-sandbox", "--disable-background-networking"],
    }


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url.rstrip("/")


@pytest.fixture
def cast(transactional_db, settings):
    """The cast of tests/cast.py in the live server's database, with two-factor sign-in as in production.

    The cast is built once per test database (tests/conftest.py) and committed, so the live server's
    thread sees it; a browser test flushes the tables at its end and the cast is built again."""
    from banli.demo.build import enroll_demo_security
    from banli.orgs.models import User

    from ..conftest import _fetch_cast

    settings.BANLI_2FA_REQUIRED_ROLES = TWO_FACTOR_ROLES
    c = _fetch_cast()
    enroll_demo_security(list(User.objects.all()))  # the demo's published authenticator secret
    return c


class _Watch:
    """Collects what must never happen on any page: uncaught script errors and 5xx answers."""

    def __init__(self):
        self.problems: list[str] = []

    def attach(self, page):
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: self.problems.append(f"script error on {page.url}: {exc}"))
        page.on(
            "response",
            lambda r: r.status >= 500 and self.problems.append(f"HTTP {r.status} for {r.request.method} {r.url}"),
        )
        return page


@pytest.fixture
def _page_watch():
    watch = _Watch()
    yield watch
    assert not watch.problems, "\n".join(watch.problems)


@pytest.fixture
def anon_page(browser, live_url, _page_watch):
    contexts = []

    def _open(screen: str = "desktop"):
        ctx = browser.new_context(viewport=SCREENS[screen], base_url=live_url, locale="zh-CN")
        contexts.append(ctx)
        return _page_watch.attach(ctx.new_page())

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def sign_in(browser, live_url, cast, _page_watch):
    contexts = []
    states: dict[str, dict] = {}

    def _sign_in(user, screen: str = "desktop"):
        username = user if isinstance(user, str) else user.username
        ctx = browser.new_context(
            viewport=SCREENS[screen], base_url=live_url, locale="zh-CN", storage_state=states.get(username)
        )
        contexts.append(ctx)
        page = _page_watch.attach(ctx.new_page())
        if username in states:
            page.goto("/")
            return page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", cast.password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        if "/security/2fa/" in page.url:
            page.fill("input[name=code]", pyotp.TOTP(DEMO_TOTP_SECRET, interval=30).now())
            page.get_by_role("button", name="验证").click()
            page.wait_for_load_state()
        assert "/login/" not in page.url and "/security/2fa/" not in page.url, (
            f"{username} did not get past sign-in: {page.url}\n{page.inner_text('body')[:500]}"
        )
        states[username] = ctx.storage_state()
        return page

    yield _sign_in
    for ctx in contexts:
        ctx.close()


@pytest.fixture(params=list(SCREENS))
def screen(request) -> str:
    return request.param
