"""The declared permission matrix: role × route × method, collected from every app's
`permissions.py` (`ROUTES = {"app:name": {"GET": {roles}, ...}}`). Deny by default: a route or a
method that no app declares is refused (see middleware.PermissionMatrixMiddleware)."""

from __future__ import annotations

import importlib
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from banli.orgs.models import Role

ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"
PSEUDO_ROLES = frozenset({ANONYMOUS, AUTHENTICATED})
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@lru_cache(maxsize=1)
def permission_matrix() -> dict[str, dict[str, frozenset[str]]]:
    """{view name: {method: roles}} merged from `<app>.permissions.ROUTES` of the project's apps."""
    matrix: dict[str, dict[str, frozenset[str]]] = {}
    valid = set(Role.values) | PSEUDO_ROLES
    for config in apps.get_app_configs():
        if not config.name.startswith("banli."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError as e:
            if e.name == f"{config.name}.permissions":
                continue
            raise
        for name, methods in getattr(module, "ROUTES", {}).items():
            if name in matrix:
                raise ImproperlyConfigured(f"路由 {name} 在多个 permissions.py 中声明")
            cell = {}
            for method, roles in methods.items():
                method = method.upper()
                if method not in METHODS:
                    raise ImproperlyConfigured(f"{config.name}.permissions: {name} 的方法 {method} 无效")
                roles = frozenset(str(r) for r in roles)
                unknown = roles - valid
                if unknown:
                    raise ImproperlyConfigured(
                        f"{config.name}.permissions: {name} {method} 含未知角色 {sorted(unknown)}"
                    )
                cell[method] = roles
            matrix[name] = cell
    return matrix


def allowed_roles(view_name: str | None, method: str) -> frozenset[str] | None:
    """The roles declared for this route and method; None when undeclared (→ refused)."""
    if not view_name:
        return None
    method = "GET" if method.upper() == "HEAD" else method.upper()
    cell = permission_matrix().get(view_name)
    if cell is None:
        return None
    return cell.get(method)


def is_allowed(user, view_name: str | None, method: str) -> bool:
    roles = allowed_roles(view_name, method)
    if not roles:
        return False
    if ANONYMOUS in roles:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if AUTHENTICATED in roles:
        return True
    return bool(roles & user.roles)


def needs_login(view_name: str | None, method: str) -> bool:
    """Whether an anonymous request should be sent to the login page (vs. refused outright)."""
    roles = allowed_roles(view_name, method)
    return not roles or ANONYMOUS not in roles
