"""One scope rule for every ledger export: the ledger page, `banli export-ledger --org`, the
reports page and the archive all get the same rows for the same part of a session."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from banli.errors import NotFound
from banli.ledger.services import export_scope, ledger_import, ledger_rows
from banli.reports.services import _archive_ledger_rows

from .seed_ledgers import write_xlsx
from .test_ledger_import import good_rows

D = dt.date


def _xlsx_rows(path) -> list[list]:
    ws = load_workbook(path, read_only=True).active
    return [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]


def _plain(rows) -> list[list]:
    """Rows as they come back from an .xlsx: dates as datetimes' dates, None as ""."""
    return [[v if v is not None else "" for v in r] for r in rows]


@pytest.fixture
def session(cast, tmp_path):
    ledger_import(actor=None, session=cast.npc_session, source=write_xlsx(good_rows(cast.orgs), tmp_path / "g.xlsx"))
    return cast.npc_session


def test_the_same_part_whoever_exports_it(cast, session, tmp_path):
    o = cast.orgs
    coordinator = ledger_rows(actor=cast.coordinator, session=session)  # defaults to its subtree
    assert export_scope(cast.coordinator, session) == o.gov
    assert ledger_rows(actor=cast.staff_npc, session=session, org=o.gov) == coordinator
    assert _archive_ledger_rows(session, o.gov) == coordinator
    out = tmp_path / "gov.xlsx"
    call_command("export-ledger", "--session", session.code, "--org", o.gov.name, "-o", str(out), stdout=StringIO())
    got = _xlsx_rows(out)
    assert len(got) == len(coordinator) and got[0] == coordinator[0]
    assert [r[:2] for r in got] == [[str(r[0]), r[1]] if i else r[:2] for i, r in enumerate(coordinator)]
    # A unit gets its own rows only; the whole session holds more than the coordinator's part.
    unit = ledger_rows(actor=cast.liaison_gx, session=session)
    col = unit[0].index("承办单位")
    assert {r[col] for r in unit[1:]} == {o.gx.name}
    assert len(ledger_rows(actor=None, session=session)) >= len(coordinator) >= len(unit) > 1


def test_an_org_outside_the_exporters_subtree_is_not_found(cast, session):
    with pytest.raises(NotFound):
        export_scope(cast.liaison_gx, session, cast.orgs.sw)
    with pytest.raises(NotFound):
        export_scope(cast.coordinator, session, cast.orgs.court)
    with pytest.raises(NotFound):
        export_scope(cast.deputy_user, session)
