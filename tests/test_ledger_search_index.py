"""Proposals brought in by a ledger import are found by search (bulk writes fire no save signals)."""

from banli.textintel.selectors import search

from .seed_ledgers import write_xlsx
from .test_ledger_import import good_rows, run_import


def test_imported_proposals_are_searchable_after_the_import_commits(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    path = write_xlsx(good_rows(cast.orgs), tmp_path / "ok.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        run_import(path, cast.npc_session)
    found = [d.proposal.number for d in search(cast.staff_npc, "工业上楼").docs]
    assert "20230002" in found
    # Scope still applies: the other body's staff finds nothing.
    assert not search(cast.staff_cppcc, "工业上楼").docs.exists()
