"""Route permissions of the open API (format: banli/site/permissions.py).

Each endpoint takes the roles of the page it stands for (declared on the endpoint, read from that
app's own permissions.py), so a person reaches over the API what they reach in the UI and an
integration token reaches what its service account's role does; the token's action groups narrow
that further (banli/api/auth.py). Object scope is applied by the same getters and services."""

from . import endpoints as e
from .urls import READS

SECADMIN = {"secadmin"}


def _reads():
    out = {}
    for _, view, name in READS:
        cell = {}
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                cell[method.upper()] = set(getattr(view, f"{method}_roles", None) or view.roles)
        out[f"api:{name}"] = cell
    return out


ROUTES = {
    **_reads(),
    **{f"api:{a.name}": {"POST": set(a.roles)} for a in e.ACTIONS},
    "api:schema": {"GET": {"authenticated"}},
    "api:docs": {"GET": {"authenticated"}},
    "api:tokens": {"GET": SECADMIN, "POST": SECADMIN},
    "api:token_rotate": {"POST": SECADMIN},
    "api:token_revoke": {"POST": SECADMIN},
}
