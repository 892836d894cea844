"""The named groups of roles (SPEC §2), defined once. Use these instead of listing roles again.

    OFFICES        body staff and coordinators: the offices that assign, supervise, remind and count
    UNIT           everyone of a handling unit: liaison, leader, handler
    UNIT_MANAGERS  liaison and leader: they see all of their unit
    UNIT_WRITERS   liaison and handler: record contacts and co-opinions, draft replies
    STAFF          everyone who works on cases (OFFICES | UNIT)
    CASE_READERS   everyone who reads cases (STAFF and proposers)
    OVERSEERS      statistics, reports, dashboards and clusters: OFFICES | UNIT_MANAGERS (not handlers)
    ASSIGNERS      may assign (交办) and decide adjustments/extensions of what they assigned:
                   body staff, coordinators, and a district unit's liaison one level down
    ADMINS         sysadmin, secadmin, auditor (三权分立)

Each group is a frozenset of `Role` members, which are strings: `user.has_role(*STAFF)` and the
route tables (`{"GET": OVERSEERS}`) take them as they are.
"""

from __future__ import annotations

from .models import ADMIN_ROLES, Role

OFFICES = frozenset({Role.BODY_STAFF, Role.COORDINATOR})
UNIT_MANAGERS = frozenset({Role.UNIT_LIAISON, Role.UNIT_LEADER})
UNIT_WRITERS = frozenset({Role.UNIT_LIAISON, Role.HANDLER})
UNIT = UNIT_MANAGERS | UNIT_WRITERS
STAFF = OFFICES | UNIT
CASE_READERS = STAFF | {Role.PROPOSER}
OVERSEERS = OFFICES | UNIT_MANAGERS
ASSIGNERS = OFFICES | {Role.UNIT_LIAISON}
ADMINS = frozenset(ADMIN_ROLES)
