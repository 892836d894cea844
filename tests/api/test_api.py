"""The open API (banli/api): the same services, scope and refusals as the pages, over JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from banli.api.models import IdempotencyRecord, IntegrationToken, TokenAction
from banli.api.tokens import token_issue, token_revoke, token_rotate
from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, AssignmentState, Proposal

from .. import factories as f

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client, url, data=None, key="k1", **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **headers)


def session_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def gx_token(cast):
    token, secret = token_issue(
        actor=cast.secadmin, name="工信OA", org=cast.orgs.gx, actions=[TokenAction.READ, TokenAction.HANDLE]
    )
    return token, secret


# --- tokens ----------------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_acts_as_its_unit(cast, gx_token):
    token, secret = gx_token
    assert secret not in token.secret_hash and len(token.secret_hash) == 64
    assert token.user.has_role("unit_liaison") and token.user.org == cast.orgs.gx
    assert not token.user.has_usable_password()


def test_each_use_of_a_token_is_audited(cast, gx_token):
    _, secret = gx_token
    a = f.assigned(cast)
    before = AuditEvent.objects.filter(verb="api.token.use").count()
    r = bearer(secret).get(reverse("api:assignment", args=[a.pk]))
    assert r.status_code == 200, r.content
    assert r.json()["state"] == AssignmentState.PENDING_SIGN
    assert AuditEvent.objects.filter(verb="api.token.use").count() == before + 1


def test_a_token_signs_through_the_same_service(cast, gx_token):
    _, secret = gx_token
    a = f.assigned(cast)
    r = post(bearer(secret), reverse("api:assignment_sign", args=[a.pk]))
    assert r.status_code == 200, r.content
    assert r.json()["state"] == AssignmentState.HANDLING
    assert AuditEvent.objects.filter(verb="assignment.sign", assignment_id=a.pk).exists()


def test_a_token_without_the_action_is_refused_and_nothing_changes(cast):
    _, secret = token_issue(actor=cast.secadmin, name="只读", org=cast.orgs.gx, actions=[TokenAction.READ])
    a = f.assigned(cast)
    r = post(bearer(secret), reverse("api:assignment_sign", args=[a.pk]))
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.PENDING_SIGN


def test_rotated_revoked_and_expired_tokens_answer_401(cast, gx_token):
    token, old = gx_token
    url = reverse("api:proposals")
    token, new = token_rotate(actor=cast.secadmin, token=token)
    assert bearer(old).get(url).status_code == 401
    assert bearer(new).get(url).status_code == 200
    token_revoke(actor=cast.secadmin, token=token)
    r = bearer(new).get(url)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated" and "令牌" in r.json()["message"]
    _, other = token_issue(actor=cast.secadmin, name="过期", org=cast.orgs.gx, actions=["read"], days=1)
    IntegrationToken.objects.filter(name="过期").update(expires_at="2000-01-01T00:00:00Z")
    assert bearer(other).get(url).status_code == 401


def test_only_the_security_administrator_issues_tokens(cast):
    from banli.errors import NotFound

    with pytest.raises(NotFound):
        token_issue(actor=cast.sysadmin, name="x", org=cast.orgs.gx, actions=["read"])
    assert not IntegrationToken.objects.exists()


def test_the_command_issues_lists_and_revokes(cast, capsys):
    from django.core.management import call_command

    call_command("api-token", "issue", "--name", "履职平台", "--org", cast.orgs.npc.name, "--actions", "read,register")
    pk, secret = capsys.readouterr().out.strip().split("\t")
    assert secret.startswith("bnl_")
    assert bearer(secret).get(reverse("api:proposals")).status_code == 200
    call_command("api-token", "revoke", pk)
    assert bearer(secret).get(reverse("api:proposals")).status_code == 401


# --- safe writes ---------------------------------------------------------------------------------


def test_a_replayed_post_returns_the_first_response_and_acts_once(cast, gx_token):
    _, secret = gx_token
    a = f.assigned(cast)
    c = bearer(secret)
    url = reverse("api:assignment_sign", args=[a.pk])
    first = post(c, url, key="sign-1")
    again = post(c, url, key="sign-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(verb="assignment.sign", assignment_id=a.pk).count() == 1


def test_the_same_key_with_another_body_is_refused(cast):
    c = session_client(cast.liaison_gx)
    a = f.signed(cast)
    url = reverse("api:contact_add", args=[a.pk])
    body = {"on": str(a.assigned_on), "stage": "before", "method": "phone", "summary": "电话沟通"}
    assert post(c, url, body, key="c1").status_code == 201
    r = post(c, url, {**body, "summary": "另一次"}, key="c1")
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    assert a.contacts.count() == 1


def test_a_post_without_idempotency_key_is_refused(cast, gx_token):
    _, secret = gx_token
    a = f.assigned(cast)
    r = post(bearer(secret), reverse("api:assignment_sign", args=[a.pk]), key=None)
    assert r.status_code == 400 and r.json()["fields"] == {"Idempotency-Key": ["必填，1–200 个字符。"]}
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.PENDING_SIGN
    assert not IdempotencyRecord.objects.exists()


def test_a_refusal_is_the_services_chinese_message_in_the_stable_shape(cast):
    c = session_client(cast.liaison_gx)
    a = f.signed(cast)
    r = post(c, reverse("api:assignment_sign", args=[a.pk]))
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "refused"
    assert "不能签收" in body["message"]


def test_a_stale_if_match_is_refused_with_412_and_the_proposal_is_unchanged(cast):
    c = session_client(cast.staff_npc)
    p = f.registered(cast)
    url = reverse("api:proposal", args=[p.pk])
    etag = c.get(url)["ETag"]
    edit = {"title": "关于改进营商环境的建议", "lead": "王代表"}
    r = c.patch(url, json.dumps(edit), content_type="application/json", HTTP_IF_MATCH=etag)
    assert r.status_code == 200, r.content
    assert r.json()["title"] == "关于改进营商环境的建议" and r["ETag"] != etag
    r = c.patch(url, json.dumps({**edit, "title": "旧稿覆盖"}), content_type="application/json", HTTP_IF_MATCH=etag)
    assert r.status_code == 412 and r.json()["code"] == "version_conflict"
    assert Proposal.objects.get(pk=p.pk).title == "关于改进营商环境的建议"
    r = c.patch(url, json.dumps(edit), content_type="application/json")
    assert r.status_code == 428


def test_the_list_pages_and_filters_like_the_page(cast):
    c = session_client(cast.staff_npc)
    p1 = f.registered(cast, title="关于数字经济的建议")
    f.accepted(cast, f.registered(cast, title="关于养老服务的建议"))
    r = c.get(reverse("api:proposals"), {"review": "submitted", "page_size": 1})
    body = r.json()
    assert body["count"] == 1 and [x["id"] for x in body["results"]] == [p1.pk]
    r = c.get(reverse("api:proposals"), {"q": "养老"})
    assert [x["title"] for x in r.json()["results"]] == ["关于养老服务的建议"]
    assert c.get(reverse("api:proposals"), {"page": 99}).json()["results"] == []


def test_registration_and_review_go_through_the_services(cast):
    c = session_client(cast.staff_npc)
    r = post(
        c, reverse("api:proposals"), {"session": cast.npc_session.pk, "title": "关于停车难的建议", "lead": "王代表"}
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = post(c, reverse("api:proposal_review", args=[pid]), {"decision": "accepted"}, key="k2")
    assert r.status_code == 200 and r.json()["review_state"] == "accepted"
    r = post(
        c,
        reverse("api:proposal_assign", args=[pid]),
        {"units": [{"unit": cast.orgs.gx.pk, "role": "sole"}]},
        key="k3",
    )
    assert r.status_code == 201 and len(r.json()["ids"]) == 1


# --- scope: missing and foreign look the same ----------------------------------------------------


def test_foreign_objects_answer_exactly_like_missing_ones(cast, gx_token):
    _, secret = gx_token
    a_sw = f.assigned(cast, units=[(cast.orgs.sw, "sole")])
    c = bearer(secret)
    foreign = c.get(reverse("api:assignment", args=[a_sw.pk]))
    missing = c.get(reverse("api:assignment", args=[987654]))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    foreign = post(c, reverse("api:assignment_sign", args=[a_sw.pk]), key="x1")
    missing = post(c, reverse("api:assignment_sign", args=[987654]), key="x2")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert Assignment.objects.get(pk=a_sw.pk).state == AssignmentState.PENDING_SIGN
    assert c.get(reverse("api:proposal", args=[a_sw.proposal_id])).status_code == 404
    ids = [x["id"] for x in c.get(reverse("api:proposals")).json()["results"]]
    assert a_sw.proposal_id not in ids


def test_a_role_the_route_does_not_admit_gets_the_json_refusal(cast):
    c = session_client(cast.auditor)
    r = c.get(reverse("api:proposals"))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


# --- OpenAPI <-> URLs ----------------------------------------------------------------------------


def _api_routes():
    out = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                out.add(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return {r for r in out if r.startswith("api/v1/")}


def test_every_api_url_is_in_the_schema_and_every_schema_path_is_routed(cast):
    import re

    c = session_client(cast.staff_npc)
    schema = c.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    # drf-spectacular names the <int:pk> path parameter "id".
    documented = {re.sub(r"\{id\}", "<int:pk>", p).lstrip("/") for p in schema["paths"]}
    assert documented == _api_routes()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method == "post":
                names = [p["name"] for p in op.get("parameters", [])]
                assert "Idempotency-Key" in names, f"POST {path} does not declare Idempotency-Key"


def test_the_plan_is_saved_with_if_match_and_a_stale_save_changes_nothing(cast):
    c = session_client(cast.liaison_gx)
    a = f.signed(cast)
    url = reverse("api:plan", args=[a.pk])
    body = {"lead_dept": cast.orgs.gx_industry.pk, "assist_depts": [cast.orgs.gx_sme.pk], "text": "分工"}
    r = c.put(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    etag = r["ETag"]
    assert r.json()["assist_depts"] == [cast.orgs.gx_sme.pk]
    r = c.put(url, json.dumps({**body, "text": "第二稿"}), content_type="application/json", HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r.json()["text"] == "第二稿"
    r = c.put(url, json.dumps({**body, "text": "旧稿"}), content_type="application/json", HTTP_IF_MATCH=etag)
    assert r.status_code == 412
    assert c.get(url).json()["text"] == "第二稿"
    r = c.put(
        url,
        json.dumps({**body, "lead_dept": cast.orgs.sw_trade.pk}),
        content_type="application/json",
        HTTP_IF_MATCH=c.get(url)["ETag"],
    )
    assert r.status_code == 422 and r.json()["fields"] == {"lead_dept": ["牵头处室和协办处室须为本单位的处室。"]}
