"""How drf-spectacular describes the API's two ways in (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "banli.api.auth.IntegrationTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "安全管理员签发的接口令牌（bnl_…）"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "banli.api.auth.BanliSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "浏览器登录会话（需 CSRF）"}
