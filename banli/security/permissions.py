"""Route permissions of the security app (see banli/site/permissions.py for the format).

三权分立: the sysadmin manages accounts and orgs, the secadmin grants roles and handles lockouts
and second factors, the auditor reads and keeps the audit log. No page is shared between them.
"""

ANY = {"authenticated"}
SYSADMIN = {"sysadmin"}
SECADMIN = {"secadmin"}
AUDITOR = {"auditor"}

ROUTES = {
    "security:2fa_setup": {"GET": ANY, "POST": ANY},
    "security:2fa_verify": {"GET": ANY, "POST": ANY},
    "security:password_change": {"GET": ANY, "POST": ANY},
    "security:account": {"GET": ANY},
    "security:sessions_end_others": {"POST": ANY},
    "security:users": {"GET": SYSADMIN},
    "security:user_create": {"GET": SYSADMIN, "POST": SYSADMIN},
    "security:user_reset_password": {"POST": SYSADMIN},
    "security:user_set_active": {"POST": SYSADMIN},
    "security:orgs": {"GET": SYSADMIN, "POST": SYSADMIN},
    "security:grants": {"GET": SECADMIN},
    "security:grant": {"POST": SECADMIN},
    "security:2fa_reset": {"POST": SECADMIN},
    "security:unlock": {"POST": SECADMIN},
    "security:audit_log": {"GET": AUDITOR},
    "security:retention": {"POST": AUDITOR},
    "security:purge": {"POST": AUDITOR},
}
