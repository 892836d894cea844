"""Route permissions of the handling workflow (see banli/site/permissions.py for the format).

Object-level rules (which unit, which department, which proposer) are enforced by the services
and scope selectors; these declarations only say which roles may reach each route at all.
"""

from banli.orgs.roles import ASSIGNERS, OFFICES, UNIT, UNIT_MANAGERS, UNIT_WRITERS

UNIT_SIDE = UNIT_WRITERS
OFFICE = ASSIGNERS  # unit_liaison: a district deciding on a sub-assignment

ROUTES = {
    "handling:sign": {"POST": {"unit_liaison"}},
    "handling:adjust": {"POST": {"unit_liaison"}},
    "handling:adjust_decide": {"POST": OFFICE},
    "handling:plan": {"GET": {"unit_liaison"}, "POST": {"unit_liaison"}},
    "handling:distribute": {"POST": {"unit_liaison"}},
    "handling:contact": {"GET": UNIT_SIDE, "POST": UNIT_SIDE},
    "handling:co_opinion": {"GET": UNIT_SIDE, "POST": UNIT_SIDE},
    "handling:points": {"GET": UNIT_SIDE | {"body_staff"}, "POST": UNIT_SIDE | {"body_staff"}},
    "handling:reply": {"GET": UNIT_SIDE, "POST": UNIT_SIDE},
    "handling:evaluate": {"GET": {"proposer", "body_staff"}, "POST": {"proposer", "body_staff"}},
    "handling:reply_submit": {"POST": {"unit_liaison"}},
    "handling:reply_approve": {"POST": {"unit_leader"}},
    "handling:reply_return": {"POST": {"unit_leader"}},
    "handling:reply_send": {"POST": {"unit_liaison", "unit_leader"}},
    "handling:reply_correct": {"GET": {"unit_leader"}, "POST": {"unit_leader"}},
    "handling:letter_number_reissue": {"POST": {"unit_leader"}},
    "handling:progress": {"POST": UNIT_SIDE},
    "handling:explain": {"POST": {"unit_liaison"}},
    "handling:convert": {"POST": {"unit_liaison"}},
    "handling:b_ledger": {"GET": OFFICES | UNIT},
    "handling:handover": {"GET": UNIT_MANAGERS, "POST": UNIT_MANAGERS},
    "handling:policy": {"GET": {"body_staff"}, "POST": {"body_staff"}},
    "handling:attachment": {"GET": {"body_staff", "coordinator", "proposer"} | UNIT},
}
