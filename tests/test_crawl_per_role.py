"""A crawl per demo login (issue #12): from the home page, follow every link and GET form the
application shows that user (bounded, deterministic) and require

- no 5xx anywhere,
- no 403/404 for a link the application itself showed,
- for a proposer, no staff page at all (only the portal, the public site and their own account).

The demo city (`banli demo`) is loaded once into the test database for this module and rolled back
afterwards. No failure is known and tolerated: every problem the crawl finds fails its login's test.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings

from banli.demo.build import LOGINS, PASSWORD, demo_totp_code

from .conftest import remove_cast

PAGES_PER_LOGIN = 150  # pages fetched per login at most
PER_SHAPE = 2  # pages of one URL shape (numbers taken out, same query keys) fetched at most
# Not fetched: files (exports and documents are tested where they are built; LibreOffice makes them slow)
# and the sign-out link.
SKIP = re.compile(r"(\.(xlsx|docx|pdf|zip|csv)$)|(/(export|download|archive|logout)\b)|(/attachment/\d+/$)")
# What a proposer may open: the portal, the public site, their own account and the notification list
# every role shares (where each notification leads is crawled and checked like any link).
PROPOSER_PAGES = re.compile(r"^/(portal|public|security/(account|password|2fa)|login|deadlines/inbox)(/|$)")
PROPOSERS = {username for username, _o, roles, *_ in LOGINS if roles == ["proposer"]}
USERNAMES = [username for username, *_ in LOGINS]


class _Links(HTMLParser):
    """Links, htmx GETs and GET forms (submitted with the values the page shows) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "hx-get") if tag == "a" else ("hx-get",):
            if a.get(key):
                self.urls.append(a[key])
        if tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {"action": a.get("action") or "", "fields": []}
        if self._form is None:
            return
        f = self._form["fields"]
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file", "reset"):
                f.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            f.append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            self._form["fields"].append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            action = self._form["action"]
            self.urls.append(action.split("?")[0] + "?" + urlencode(self._form["fields"]))
            self._form = None


def _local(url: str, base: str) -> str | None:
    """The site-relative URL of a link, or None for anything not to fetch."""
    if not url or url.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, url))
    if parts.netloc not in ("", "testserver") or parts.path.startswith("/static/"):
        return None
    if SKIP.search(parts.path):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client: Client, username: str) -> list[str]:
    """Problems found from the home page of the signed-in user, as 'STATUS path (shown on page)'."""
    problems = []
    queue = deque([("/", "(home)")])
    seen: set[str] = set()
    shapes: Counter = Counter()
    fetched = 0
    while queue and fetched < PAGES_PER_LOGIN:
        url, shown_on = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = _shape(url)
        if shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        fetched += 1
        resp = client.get(url)
        path = urlsplit(url).path
        status = resp.status_code
        if status >= 500 or status in (403, 404):
            problems.append(f"{status} {url} (shown on {shown_on})")
            continue
        if username in PROPOSERS and status == 200 and not PROPOSER_PAGES.match(path):
            problems.append(f"staff page {url} (shown on {shown_on})")
        if status in (301, 302, 303, 307, 308):
            target = _local(resp["Location"], url)
            if target:
                queue.append((target, url))
            continue
        if status != 200 or not resp.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(resp.content.decode())
        for link in parser.urls:
            target = _local(link, url)
            if target and target not in seen:
                queue.append((target, url))
    return problems


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """`banli demo` in the test database for this module; rolled back when the module is done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # services may open durable blocks inside, as in a TestCase
        outer.__enter__()
        try:
            remove_cast()  # the demo city's names would collide with the cast's
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                call_command("demo", stdout=StringIO())  # the hasher of tests/conftest.py
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.close()


_results: dict[str, list[str]] = {}


def sign_in(username: str) -> Client:
    """A client signed in as a demo login through the login form (and the 2FA code when asked)."""
    client = Client()
    resp = client.post("/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302, (username, resp.content.decode()[:300])
    gate = client.get("/")
    if gate.status_code == 302 and "/security/2fa/" in gate["Location"]:
        resp = client.post(gate["Location"], {"code": demo_totp_code(username)})
        assert resp.status_code == 302 and "/security/" not in resp["Location"], (username, resp)
    return client


def _problems(username: str) -> list[str]:
    if username not in _results:
        _results[username] = crawl(sign_in(username), username)
    return _results[username]


@pytest.mark.parametrize("username", USERNAMES)
def test_every_page_a_login_can_reach_opens(demo_city, db, username):
    problems = _problems(username)
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", sorted(PROPOSERS))
def test_a_proposer_typing_a_staff_menu_address_never_gets_the_staff_page(demo_city, db, username):
    from django.urls import reverse

    from banli.site.context import NAV

    client = sign_in(username)
    reached = []
    for url_name, label, _roles in NAV:
        url = reverse(url_name)
        resp = client.get(url)
        if resp.status_code == 200 and not PROPOSER_PAGES.match(url):
            reached.append(f"{label} {url}")
        if resp.status_code in (301, 302) and not PROPOSER_PAGES.match(urlsplit(resp["Location"]).path):
            reached.append(f"{label} {url} → {resp['Location']}")
    assert not reached, reached
    home = client.get("/", follow=True).content.decode()
    assert "/text/search/" not in home and 'href="/cases/"' not in home
