"""Message gateways behind the SMS interface (`SMSBackend.send(phone, text)`), chosen by the
environment (`BANLI_SMS_PROVIDER` = log | aliyun | tencent | wecom, see settings.py).

Each speaks its provider's documented HTTP API with the standard library only (no SDK, nothing
downloaded at run time) and raises `GatewayError` with the provider's code on a refusal, so
`notify` logs it and leaves `texted` False:

* Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`), RPC signature: HMAC-SHA1 over
  "POST&%2F&" + the percent-encoded sorted query, key = AccessKeySecret + "&".
* Tencent Cloud SMS (sms 2021-01-11 `SendSms`), TC3-HMAC-SHA256: canonical request → string to
  sign over the credential scope date/sms/tc3_request → key derived from "TC3" + SecretKey.
* WeCom (企业微信) application message: `gettoken` (cached until it expires), `user/getuserid`
  by mobile number, then `message/send` (text); an expired token (42001/40014) is fetched again once.

Messages go through one provider template with one variable (the text), configured per provider.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

from .services import SMSBackend

TIMEOUT = 10


class GatewayError(Exception):
    """The provider refused or could not be reached; `code` is the provider's own."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


def _http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> dict:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return json.loads(resp.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as e:
        try:
            return json.loads(e.read().decode("utf-8") or "{}")
        except ValueError:
            raise GatewayError(f"HTTP{e.code}", "网关返回错误") from e
    except (urllib.error.URLError, TimeoutError, ValueError) as e:
        raise GatewayError("network", str(e)) from e


def _conf(name: str) -> str:
    value = getattr(settings, name, "")
    if not value:
        raise GatewayError("config", f"未配置 {name}")
    return str(value)


# --- Alibaba Cloud ----------------------------------------------------------------------------


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's POP encoding: RFC 3986 (space → %20, * → %2A, ~ kept)."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    query = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class AliyunSMSBackend(SMSBackend):
    def send(self, phone: str, text: str) -> None:
        params = {
            "AccessKeyId": _conf("BANLI_ALIYUN_SMS_ACCESS_KEY_ID"),
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": getattr(settings, "BANLI_ALIYUN_SMS_REGION", "cn-hangzhou") or "cn-hangzhou",
            "SignName": _conf("BANLI_ALIYUN_SMS_SIGN_NAME"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": _conf("BANLI_ALIYUN_SMS_TEMPLATE_CODE"),
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, _conf("BANLI_ALIYUN_SMS_ACCESS_KEY_SECRET"))
        endpoint = getattr(settings, "BANLI_ALIYUN_SMS_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com/"
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        data = _http(
            "POST", endpoint, body=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        if data.get("Code") != "OK":
            raise GatewayError(str(data.get("Code") or "unknown"), str(data.get("Message") or ""))


# --- Tencent Cloud ----------------------------------------------------------------------------

TC3_CONTENT_TYPE = "application/json; charset=utf-8"


def tc3_authorization(
    *, secret_id: str, secret_key: str, host: str, action: str, payload: bytes, timestamp: int, service: str = "sms"
) -> str:
    """The Authorization header of Tencent Cloud API 3.0 (TC3-HMAC-SHA256)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{TC3_CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def _h(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = _h(_h(_h(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


class TencentSMSBackend(SMSBackend):
    ACTION = "SendSms"
    VERSION = "2021-01-11"

    def send(self, phone: str, text: str) -> None:
        endpoint = getattr(settings, "BANLI_TENCENT_SMS_ENDPOINT", "") or "https://sms.tencentcloudapi.com/"
        host = urllib.parse.urlsplit(endpoint).netloc
        number = phone if phone.startswith("+") else f"+86{phone}"
        payload = json.dumps(
            {
                "PhoneNumberSet": [number],
                "SmsSdkAppId": _conf("BANLI_TENCENT_SMS_SDK_APP_ID"),
                "SignName": _conf("BANLI_TENCENT_SMS_SIGN_NAME"),
                "TemplateId": _conf("BANLI_TENCENT_SMS_TEMPLATE_ID"),
                "TemplateParamSet": [text],
            },
            ensure_ascii=False,
        ).encode()
        ts = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=_conf("BANLI_TENCENT_SMS_SECRET_ID"),
                secret_key=_conf("BANLI_TENCENT_SMS_SECRET_KEY"),
                host=host,
                action=self.ACTION,
                payload=payload,
                timestamp=ts,
            ),
            "Content-Type": TC3_CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": self.ACTION,
            "X-TC-Timestamp": str(ts),
            "X-TC-Version": self.VERSION,
            "X-TC-Region": getattr(settings, "BANLI_TENCENT_SMS_REGION", "") or "ap-guangzhou",
        }
        data = _http("POST", endpoint, body=payload, headers=headers).get("Response") or {}
        if "Error" in data:
            raise GatewayError(str(data["Error"].get("Code")), str(data["Error"].get("Message")))
        status = (data.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise GatewayError(str(status.get("Code") or "unknown"), str(status.get("Message") or ""))


# --- WeCom (企业微信) -----------------------------------------------------------------------------

_wecom_lock = threading.Lock()
_wecom_token: dict = {}  # (api base, corp id, agent) -> (token, expires at)
EXPIRED = {40014, 42001}


class WeComBackend(SMSBackend):
    """An application message to the WeCom member whose mobile number is `phone`."""

    def _base(self) -> str:
        return (getattr(settings, "BANLI_WECOM_API_BASE", "") or "https://qyapi.weixin.qq.com/cgi-bin/").rstrip(
            "/"
        ) + "/"

    def _key(self):
        return (self._base(), _conf("BANLI_WECOM_CORP_ID"), _conf("BANLI_WECOM_AGENT_ID"))

    def token(self, *, fresh: bool = False) -> str:
        key = self._key()
        with _wecom_lock:
            cached = _wecom_token.get(key)
            if cached and not fresh and cached[1] > time.time():
                return cached[0]
            q = urllib.parse.urlencode({"corpid": key[1], "corpsecret": _conf("BANLI_WECOM_SECRET")})
            data = _http("GET", f"{key[0]}gettoken?{q}")
            if data.get("errcode") != 0 or not data.get("access_token"):
                raise GatewayError(str(data.get("errcode")), str(data.get("errmsg") or ""))
            # Renew a little early: the token lives expires_in seconds (7200).
            _wecom_token[key] = (data["access_token"], time.time() + int(data.get("expires_in", 7200)) - 300)
            return data["access_token"]

    def _call(self, path: str, body: dict) -> dict:
        for attempt in (0, 1):
            token = self.token(fresh=attempt == 1)
            data = _http(
                "POST",
                f"{self._base()}{path}?{urllib.parse.urlencode({'access_token': token})}",
                body=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            if data.get("errcode") in EXPIRED and attempt == 0:
                continue
            if data.get("errcode") != 0:
                raise GatewayError(str(data.get("errcode")), str(data.get("errmsg") or ""))
            return data
        raise GatewayError("token", "access_token 无效")  # pragma: no cover - the loop returns or raises

    def send(self, phone: str, text: str) -> None:
        userid = self._call("user/getuserid", {"mobile": phone})["userid"]
        self._call(
            "message/send",
            {
                "touser": userid,
                "msgtype": "text",
                "agentid": int(_conf("BANLI_WECOM_AGENT_ID")),
                "text": {"content": text},
                "safe": 0,
            },
        )
