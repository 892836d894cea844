"""The message gateways (banli/notify/gateways.py) against local fake servers (a threaded
http.server in the test) that check each provider's documented request format and signature
independently of the code under test, and answer like the provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from banli.notify import gateways
from banli.notify.gateways import AliyunSMSBackend, GatewayError, TencentSMSBackend, WeComBackend, aliyun_signature


class Fake:
    """A local HTTP server; `handle(method, path, headers, body)` returns (status, json)."""

    def __init__(self, handle):
        self.requests = []
        fake = self

        class H(BaseHTTPRequestHandler):
            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                status, data = handle(self.command, self.path, self.headers, body)
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _serve

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- Alibaba Cloud -------------------------------------------------------------------------------


def test_aliyun_signature_matches_the_documented_example():
    """The example of Alibaba Cloud's RPC signature documentation (ECS DescribeRegions)."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun_signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def _aliyun_check(secret):
    def enc(v):
        return urllib.parse.quote(v, safe="~")

    def handle(method, path, headers, body):
        params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        sig = params.pop("Signature", "")
        query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
        expected = base64.b64encode(
            hmac.new(f"{secret}&".encode(), f"POST&%2F&{enc(query)}".encode(), hashlib.sha1).digest()
        ).decode()
        if sig != expected:
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return 400, {"Code": "InvalidAction", "Message": "bad action"}
        if params["PhoneNumbers"] == "13900000000":
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"}

    return handle


def _aliyun_settings(settings, url):
    settings.BANLI_ALIYUN_SMS_ACCESS_KEY_ID = "LTAI-test"
    settings.BANLI_ALIYUN_SMS_ACCESS_KEY_SECRET = "s3cr3t"
    settings.BANLI_ALIYUN_SMS_SIGN_NAME = "建议提案办理"
    settings.BANLI_ALIYUN_SMS_TEMPLATE_CODE = "SMS_1"
    settings.BANLI_ALIYUN_SMS_ENDPOINT = url


def test_aliyun_sends_a_signed_sendsms(settings):
    with Fake(_aliyun_check("s3cr3t")) as fake:
        _aliyun_settings(settings, fake.url)
        AliyunSMSBackend().send("13800000000", "您有一件建议待签收：2024001")
    params = dict(urllib.parse.parse_qsl(fake.requests[0][3].decode()))
    assert params["PhoneNumbers"] == "13800000000" and params["SignName"] == "建议提案办理"
    assert json.loads(params["TemplateParam"]) == {"content": "您有一件建议待签收：2024001"}


def test_aliyun_refusals_raise_with_the_providers_code(settings):
    with Fake(_aliyun_check("s3cr3t")) as fake:
        _aliyun_settings(settings, fake.url)
        with pytest.raises(GatewayError) as e:
            AliyunSMSBackend().send("13900000000", "x")
        assert e.value.code == "isv.MOBILE_NUMBER_ILLEGAL"
        settings.BANLI_ALIYUN_SMS_ACCESS_KEY_SECRET = "wrong"
        with pytest.raises(GatewayError) as e:
            AliyunSMSBackend().send("13800000000", "x")
        assert e.value.code == "SignatureDoesNotMatch"


# --- Tencent Cloud -------------------------------------------------------------------------------


def _tc3_check(secret_id, secret_key):
    def sha(b):
        return hashlib.sha256(b).hexdigest()

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    def handle(method, path, headers, body):
        auth = headers.get("Authorization", "")
        algo, _, rest = auth.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        cred_id, date, service, term = parts["Credential"].split("/")
        signed = parts["SignedHeaders"].split(";")
        ts = int(headers["X-TC-Timestamp"])
        canon_headers = "".join(
            f"{h}:{headers[h].strip().lower() if h == 'x-tc-action' else headers[h].strip()}\n" for h in signed
        )
        canonical = f"POST\n/\n\n{canon_headers}\n{';'.join(signed)}\n{sha(body)}"
        to_sign = f"TC3-HMAC-SHA256\n{ts}\n{date}/{service}/{term}\n{sha(canonical.encode())}"
        key = mac(mac(mac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
        ok = (
            algo == "TC3-HMAC-SHA256"
            and cred_id == secret_id
            and {"content-type", "host"} <= set(signed)
            and time.strftime("%Y-%m-%d", time.gmtime(ts)) == date
            and hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() == parts["Signature"]
        )
        if not ok:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"}}}
        if headers["X-TC-Action"] != "SendSms" or headers["X-TC-Version"] != "2021-01-11":
            return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": "bad"}}}
        data = json.loads(body)
        code = "Ok" if data["PhoneNumberSet"] == ["+8613800000000"] else "InvalidParameterValue.IncorrectPhoneNumber"
        return 200, {"Response": {"SendStatusSet": [{"Code": code, "Message": code}], "RequestId": "r"}}

    return handle


def _tencent_settings(settings, url):
    settings.BANLI_TENCENT_SMS_SECRET_ID = "AKID-test"
    settings.BANLI_TENCENT_SMS_SECRET_KEY = "key-test"
    settings.BANLI_TENCENT_SMS_SDK_APP_ID = "1400000000"
    settings.BANLI_TENCENT_SMS_SIGN_NAME = "建议提案办理"
    settings.BANLI_TENCENT_SMS_TEMPLATE_ID = "100"
    settings.BANLI_TENCENT_SMS_ENDPOINT = url


def test_tencent_sends_a_tc3_signed_sendsms(settings):
    with Fake(_tc3_check("AKID-test", "key-test")) as fake:
        _tencent_settings(settings, fake.url)
        TencentSMSBackend().send("13800000000", "您有一件建议待签收")
    body = json.loads(fake.requests[0][3])
    assert body["TemplateParamSet"] == ["您有一件建议待签收"] and body["SmsSdkAppId"] == "1400000000"


def test_tencent_refusals_raise_with_the_providers_code(settings):
    with Fake(_tc3_check("AKID-test", "key-test")) as fake:
        _tencent_settings(settings, fake.url)
        with pytest.raises(GatewayError) as e:
            TencentSMSBackend().send("13900000000", "x")
        assert e.value.code == "InvalidParameterValue.IncorrectPhoneNumber"
        settings.BANLI_TENCENT_SMS_SECRET_KEY = "wrong"
        with pytest.raises(GatewayError) as e:
            TencentSMSBackend().send("13800000000", "x")
        assert e.value.code == "AuthFailure.SignatureFailure"


# --- WeCom ---------------------------------------------------------------------------------------


def _wecom(state):
    def handle(method, path, headers, body):
        u = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path.endswith("/gettoken"):
            if method != "GET" or q != {"corpid": "ww-corp", "corpsecret": "app-secret"}:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            state["issued"] += 1
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": f"T{state['issued']}", "expires_in": 7200}
        if q.get("access_token") != f"T{state['issued']}" or state.pop("expire_once", False):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        data = json.loads(body)
        if u.path.endswith("/user/getuserid"):
            if data.get("mobile") != "13800000000":
                return 200, {"errcode": 46004, "errmsg": "user not found"}
            return 200, {"errcode": 0, "errmsg": "ok", "userid": "zhangsan"}
        if u.path.endswith("/message/send"):
            ok = data["touser"] == "zhangsan" and data["msgtype"] == "text" and data["agentid"] == 1000002
            state["sent"].append(data["text"]["content"])
            return 200, {"errcode": 0 if ok else 40003, "errmsg": "ok"}
        return 404, {"errcode": 404, "errmsg": "no such api"}

    return handle


def _wecom_settings(settings, url):
    gateways._wecom_token.clear()
    settings.BANLI_WECOM_CORP_ID = "ww-corp"
    settings.BANLI_WECOM_SECRET = "app-secret"
    settings.BANLI_WECOM_AGENT_ID = "1000002"
    settings.BANLI_WECOM_API_BASE = url + "cgi-bin/"


def test_wecom_gets_a_token_once_finds_the_member_and_sends(settings):
    state = {"issued": 0, "sent": []}
    with Fake(_wecom(state)) as fake:
        _wecom_settings(settings, fake.url)
        WeComBackend().send("13800000000", "答复已签发")
        WeComBackend().send("13800000000", "第二条")
    assert state["sent"] == ["答复已签发", "第二条"] and state["issued"] == 1
    assert [urllib.parse.urlsplit(r[1]).path for r in fake.requests] == [
        "/cgi-bin/gettoken",
        "/cgi-bin/user/getuserid",
        "/cgi-bin/message/send",
        "/cgi-bin/user/getuserid",
        "/cgi-bin/message/send",
    ]


def test_wecom_fetches_a_new_token_when_it_expired(settings):
    state = {"issued": 0, "sent": []}
    with Fake(_wecom(state)) as fake:
        _wecom_settings(settings, fake.url)
        WeComBackend().send("13800000000", "一")
        state["expire_once"] = True
        WeComBackend().send("13800000000", "二")
    assert state["sent"] == ["一", "二"] and state["issued"] == 2


def test_wecom_unknown_member_raises(settings):
    state = {"issued": 0, "sent": []}
    with Fake(_wecom(state)) as fake:
        _wecom_settings(settings, fake.url)
        with pytest.raises(GatewayError) as e:
            WeComBackend().send("13900000000", "x")
    assert e.value.code == "46004" and state["sent"] == []


def test_the_provider_is_chosen_by_the_environment(monkeypatch):
    import importlib

    import banli.settings as s

    monkeypatch.setenv("BANLI_SMS_PROVIDER", "tencent")
    monkeypatch.delenv("BANLI_SMS_BACKEND", raising=False)
    try:
        assert importlib.reload(s).BANLI_SMS_BACKEND == "banli.notify.gateways.TencentSMSBackend"
        monkeypatch.setenv("BANLI_SMS_PROVIDER", "pigeon")
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            importlib.reload(s)
    finally:
        monkeypatch.delenv("BANLI_SMS_PROVIDER")
        importlib.reload(s)
