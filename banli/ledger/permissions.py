"""Route permissions of the ledger app (see banli/site/permissions.py for the format).

Import is for the body's own staff; export also for a coordinator, who gets only the rows of
units in its subtree (banli.ledger.services.export_scope).
"""

ROUTES = {
    "ledger:import": {"GET": {"body_staff"}, "POST": {"body_staff"}},
    "ledger:job": {"GET": {"body_staff"}},
    "ledger:job_run": {"POST": {"body_staff"}},
    "ledger:job_progress": {"GET": {"body_staff"}},
    "ledger:export": {"GET": {"body_staff", "coordinator"}},
}
