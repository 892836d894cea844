"""Route permissions of official documents and exports (format: banli/site/permissions.py).
Object scope (which sessions/orgs/replies) is checked by banli.reports.services."""

from banli.orgs.roles import CASE_READERS, OVERSEERS

STATS_ROLES = OVERSEERS
CASE_ROLES = CASE_READERS

ROUTES = {
    "reports:summary": {"GET": STATS_ROLES, "POST": STATS_ROLES},
    "reports:summary_docx": {"GET": STATS_ROLES},
    "reports:reply_letter": {"GET": CASE_ROLES},
    "reports:reply_letter_pdf": {"GET": CASE_ROLES},
    "reports:reply_letter_ofd": {"GET": CASE_ROLES},
    "reports:responsibility": {"GET": STATS_ROLES},
    "reports:b_ledger": {"GET": STATS_ROLES},
    "reports:ledger": {"GET": STATS_ROLES},
    "reports:archive": {"GET": STATS_ROLES},
    "reports:doc_settings": {"GET": {"unit_liaison", "unit_leader"}, "POST": {"unit_liaison", "unit_leader"}},
}
