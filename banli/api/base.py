"""What every endpoint shares: authentication, the token's action check, the stable error shape
{"code", "message" (Chinese), "fields"}, Idempotency-Key on POST and If-Match on edits."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from banli.errors import AlreadySubmitted, Conflict, DomainError, NotFound

from .auth import BanliSessionAuthentication, IntegrationTokenAuthentication, TokenActionPermission
from .models import IdempotencyRecord

ErrorSerializer = inline_serializer(
    "Error",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="请求参数有误"),
    401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效"),
    403: OpenApiResponse(ErrorSerializer, description="无权执行"),
    404: OpenApiResponse(ErrorSerializer, description="不存在或无权查看"),
}
WRITE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(ErrorSerializer, description="重复提交或与他人修改冲突"),
    422: OpenApiResponse(ErrorSerializer, description="业务规则不允许"),
}
EDIT_ERRORS = {
    **WRITE_ERRORS,
    412: OpenApiResponse(ErrorSerializer, description="If-Match 与当前版本不符"),
    428: OpenApiResponse(ErrorSerializer, description="缺少 If-Match"),
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="每个 POST 必填的幂等键（1–200 个字符）；同一键重放返回第一次的结果，同一键不同请求体返回 422。",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="上次读取时响应头中的 ETag；不一致返回 412。",
)
# For a save that creates the record the first time (a reply draft, a handling plan): If-Match is
# required only once the record exists.
IF_MATCH_WHEN_EXISTING = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="记录已存在时必填：上次读取时响应头中的 ETag；不一致返回 412。",
)


def err(code: str, message: str, status: int, fields: dict | None = None, headers: dict | None = None) -> Response:
    return Response({"code": code, "message": message, "fields": fields or {}}, status=status, headers=headers)


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        out = {}
        for k, v in detail.items():
            if isinstance(v, dict):
                for k2, v2 in _flatten(v).items():
                    out[f"{k}.{k2}"] = v2
            else:
                out[str(k)] = [str(x) for x in (v if isinstance(v, list) else [v])]
        return out
    return {"non_field_errors": [str(x) for x in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    """Every refusal in one JSON shape with a Chinese message."""
    if isinstance(exc, NotFound | Http404 | exceptions.NotFound):
        return err("not_found", "找不到该记录，或您无权查看。", 404)
    if isinstance(exc, AlreadySubmitted):
        return err("already_submitted", exc.message, 409)
    if isinstance(exc, Conflict):
        return err("version_conflict", exc.message, 412)
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        return err("refused", exc.message, 422, fields)
    if isinstance(exc, exceptions.ValidationError):
        return err("invalid", "请求参数有误，请按 fields 中的提示修改后重试。", 400, _flatten(exc.detail))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return err(
            "not_authenticated",
            "请先登录，或在 Authorization 头中提供有效的接口令牌。",
            401,
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if isinstance(exc, exceptions.PermissionDenied):
        return err("permission_denied", str(exc.detail) or "您无权执行此操作。", 403)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return err("method_not_allowed", "该接口不支持此请求方法。", 405)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return err("unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）。", 415)
    if isinstance(exc, exceptions.NotAcceptable):
        return err("not_acceptable", "只能返回 JSON。", 406)
    if isinstance(exc, exceptions.ParseError):
        return err("parse_error", "请求体不是有效的 JSON。", 400)
    if isinstance(exc, exceptions.APIException):
        return err(exc.default_code, str(exc.detail), exc.status_code)
    return None


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # A page past the end is an empty page, not an error: a client walks pages until `next` is null.
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            self.page = None
            return []

    def get_paginated_response(self, data):
        if self.page is None:
            return Response({"count": 0, "next": None, "previous": None, "results": []})
        return super().get_paginated_response(data)


class ApiView(APIView):
    authentication_classes = [IntegrationTokenAuthentication, BanliSessionAuthentication]
    permission_classes = [TokenActionPermission]
    renderer_classes = [JSONRenderer]
    token_action = "read"

    def get_exception_handler(self):
        return exception_handler


def _canonical(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    except Exception:
        body = repr(request.data)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request, run) -> Response:
    """Run `run(once)` at most once per (user, Idempotency-Key): a replay with the same request
    returns the first response (header Idempotent-Replayed: true); the same key with another
    request is refused (422). `once` goes to the service's one-time claim, so two concurrent
    requests with one key act once (the second answers 409)."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key or len(key) > 200:
        return err(
            "idempotency_key_required",
            "POST 请求须带 Idempotency-Key 请求头（1–200 个字符），以便安全重试。",
            400,
            {"Idempotency-Key": ["必填，1–200 个字符。"]},
        )
    user = request.user
    digest = _canonical(request)
    rec = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if rec is not None:
        if rec.body_hash != digest:
            return err("idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求，请换一个新的键。", 422)
        return Response(rec.response, status=rec.status_code, headers={"Idempotent-Replayed": "true"})
    once = "api:" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:56]
    try:
        response = run(once)
    except Exception as exc:
        response = exception_handler(exc, {})
        if response is None:
            raise
    if response.status_code < 500 and not (
        response.status_code == 409 and (response.data or {}).get("code") == "already_submitted"
    ):
        data = json.loads(JSONRenderer().render(response.data) or b"null")
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:300],
                    body_hash=digest,
                    status_code=response.status_code,
                    response=data,
                )
        except IntegrityError:
            pass  # a concurrent request with the same key recorded first
    return response


def etag_of(obj) -> str:
    return f'"{type(obj).__name__.lower()}-{obj.pk}-v{obj.version}"'


def if_match_version(request, obj) -> int:
    """The version the client edits, from If-Match; a missing or stale one refuses the edit."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise PreconditionRequired()
    if header != etag_of(obj) and header != "*":
        raise PreconditionFailed()
    return obj.version


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = "修改须带 If-Match 请求头（先读取该记录，使用响应中的 ETag）。"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "version_conflict"
    default_detail = "该记录已被他人修改（If-Match 与当前 ETag 不符），请重新读取后再提交。"
