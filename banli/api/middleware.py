"""Integration tokens at the door of /api/.

Sits right before the permission matrix (settings.MIDDLEWARE): a request with
`Authorization: Bearer bnl_…` is the token's service account for the rest of the request, so the
matrix, the services and the scope selectors judge it exactly as they judge a person. A bad,
expired or revoked token answers 401 in the API's error shape; the session gates before this one
do not apply to a token (it has no session). Refusals of the matrix on /api/ (HTML 403/404 pages)
and the 400 of a malformed id or year parameter are turned into the API's JSON error shape here too."""

from __future__ import annotations

import json

from django.http import JsonResponse

from banli.audit.middleware import client_ip

from .tokens import token_authenticate

API_PREFIX = "/api/"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or request.path.startswith("/api/docs"):
            return response
        ctype = response.get("Content-Type", "")
        bad_request = response.status_code == 400 and request.path.startswith(API_PREFIX + "v1/")  # not the token page
        if (response.status_code in (403, 404) or bad_request) and ctype.startswith("text/html"):
            body = {
                400: error_body("invalid", "请求参数有误（如编号、年度超出范围），请检查后重试。"),
                403: error_body("permission_denied", "您的角色无权执行此操作。"),
                404: error_body("not_found", "找不到该记录，或您无权查看。"),
            }[response.status_code]
            out = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
            for h in ("Content-Security-Policy", "Cache-Control"):
                if h in response:
                    out[h] = response[h]
            return out
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(API_PREFIX):
            return None
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        if not auth.lower().startswith("bearer "):
            return None
        token = token_authenticate(auth[7:].strip(), ip=client_ip(request), path=request.path)
        if token is None:
            resp = JsonResponse(
                error_body("not_authenticated", "接口令牌无效、已过期或已吊销，请联系安全管理员。"),
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
            resp["WWW-Authenticate"] = 'Bearer realm="api"'
            return resp
        request.user = token.user
        request._cached_user = token.user
        request.api_token = token
        return None


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
