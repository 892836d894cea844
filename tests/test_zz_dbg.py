import pytest
from tests import test_crawl_per_role as T
from tests.test_crawl_per_role import demo_city  # noqa

@pytest.mark.parametrize("username", [u for u, *_ in T.LOGINS])
def test_dbg(demo_city, db, username, monkeypatch):
    fetched = []
    c = T.sign_in(username)
    orig = c.get
    def get(url, *a, **k):
        fetched.append(url); return orig(url, *a, **k)
    c.get = get
    probs = T.crawl(c, username)
    print("\nFETCHED", username, len(fetched), sorted({T._shape(u) for u in fetched}))
    print("PROBLEMS", username, probs)
