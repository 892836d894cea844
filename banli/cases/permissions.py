"""Route permissions of the cases app (see banli/web/permissions.py for the format)."""
CASE_ROLES = {"body_staff", "coordinator", "unit_liaison", "unit_leader", "handler", "proposer"}

ROUTES = {
    "cases:list": {"GET": CASE_ROLES},
    "cases:detail": {"GET": CASE_ROLES},
    "cases:register": {"GET": {"body_staff"}, "POST": {"body_staff"}},
}
