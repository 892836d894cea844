"""Route permissions of this app (see banli/security: deny by default).

ROUTES maps a URL name to {HTTP method: set of roles}. Roles are banli.orgs.models.Role values,
plus "anonymous" (no login needed) and "authenticated" (any signed-in user). A route or method
missing here is refused. Object-level scope is still applied by the selectors.
"""

ROUTES = {
    "web:home": {"GET": {"authenticated"}},
    "web:login": {"GET": {"anonymous"}, "POST": {"anonymous"}},
    "web:logout": {"POST": {"authenticated"}},
    "web:todo": {"GET": {"authenticated"}},
}
