"""DRF authentication: an integration token (resolved by ApiTokenMiddleware) or the user's own
session (with DRF's CSRF check for unsafe methods)."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission

from banli.errors import DomainError


class IntegrationTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = getattr(request._request, "api_token", None)
        if token is None:
            return None
        return (token.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BanliSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        if getattr(request._request, "api_token", None) is not None:
            return None
        return super().authenticate(request)


class TokenScope(DomainError):
    pass


class TokenActionPermission(BasePermission):
    """A token may call an endpoint only if it was issued for that endpoint's action group
    (`view.token_action`); a person's session is limited by the permission matrix alone."""

    message = "该接口令牌未被授权执行此操作。"

    def has_permission(self, request, view):
        token = request.auth if hasattr(request.auth, "allows") else None
        if token is None:
            return bool(request.user and request.user.is_authenticated)
        return token.allows(getattr(view, "token_action", "read"))
