"""Route permissions of the portal and the public site (see banli/site/permissions.py for the format).

The public routes are open to everyone ("anonymous" and any signed-in user); what they show is
limited by banli.portal.selectors.published(). Portal routes are for proposers; object scope
(own proposals only) is applied by the selectors.
"""

PROPOSER = {"proposer"}
UNIT_ANSWER = {"unit_liaison", "handler"}
UNIT_READ = {"unit_liaison", "unit_leader", "handler"}
DISCLOSURE_READ = {"body_staff", "coordinator", "unit_liaison", "unit_leader"}
DISCLOSURE_REVIEW = {"body_staff", "coordinator"}
DISCLOSURE_PROPOSE = {"unit_liaison", "unit_leader"}
PUBLIC = {"anonymous", "authenticated"}

ROUTES = {
    "portal:home": {"GET": PROPOSER},
    "portal:todo": {"GET": PROPOSER},
    "portal:submit": {"GET": PROPOSER, "POST": PROPOSER},
    "portal:proposal": {"GET": PROPOSER},
    "portal:evaluate": {"GET": PROPOSER, "POST": PROPOSER},
    "portal:message_send": {"POST": PROPOSER},
    "portal:reply_letter": {"GET": PROPOSER},
    "portal:attachment": {"GET": PROPOSER},
    "portal:unit_messages": {"GET": UNIT_READ},
    "portal:message_answer": {"POST": UNIT_ANSWER},
    "portal:disclosure": {"GET": DISCLOSURE_READ},
    "portal:disclosure_detail": {"GET": DISCLOSURE_READ},
    "portal:disclosure_propose": {"POST": DISCLOSURE_PROPOSE},
    "portal:disclosure_decide": {"POST": DISCLOSURE_REVIEW},
    "portal:disclosure_withdraw": {"POST": DISCLOSURE_REVIEW},
    "public:home": {"GET": PUBLIC},
    "public:replies": {"GET": PUBLIC},
    "public:reply": {"GET": PUBLIC},
    "public:reply_document": {"GET": PUBLIC},
    "public:session": {"GET": PUBLIC},
}
