"""Settings for Banli, driven by environment variables with strict parsing.

With no environment at all this is a working development setup: SQLite under ./var,
DEBUG on, a fixed development secret. Production sets DJANGO_ENV=production, SECRET_KEY,
DATABASE_URL and ALLOWED_HOSTS (see README).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DATA_DIR = Path(env.str("BANLI_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "banli.orgs",
    "banli.audit",
    "banli.calendar",
    "banli.notify",
    "banli.cases",
    "banli.ledger",
    "banli.stats",
    "banli.web",
    "banli.site",
    "banli.handling",
    "banli.deadlines",
    "banli.textintel",
    "banli.security",
    "banli.reports",
    "banli.portal",
    "banli.demo",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "banli.api",
]

# Order matters (banli/security/middleware.py): headers wrap everything; the session control runs
# right after authentication; the 2FA gate, the password gate and the permission matrix act in
# process_view, in that order, once the route is resolved.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "banli.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "banli.security.middleware.SessionControlMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "banli.audit.middleware.RequestContextMiddleware",
    "banli.security.middleware.TwoFactorGateMiddleware",
    "banli.security.middleware.PasswordGateMiddleware",
    # An integration token on /api/ becomes the request's user just before the matrix judges it.
    "banli.api.middleware.ApiTokenMiddleware",
    "banli.security.middleware.PermissionMatrixMiddleware",
    "banli.web.middleware.NotFoundMiddleware",
    "banli.web.middleware.QueryNumberMiddleware",
]

ROOT_URLCONF = "banli.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "banli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "banli.site.context.nav",
            ],
        },
    },
]
WSGI_APPLICATION = "banli.wsgi.application"

# SQLite by default (WAL, immediate transactions so web and worker can both write);
# PostgreSQL when DATABASE_URL says so.
# Every SQLite database, the default file or one named by DATABASE_URL (sqlite:////path), gets
# these options: without IMMEDIATE a transaction that reads and then writes fails at once with
# "database is locked" when another writer holds the lock (the busy timeout does not apply to
# upgrading a read lock), and without WAL readers block the writer.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
}
_database_url = env.str("DATABASE_URL", default="")
if _database_url:
    DATABASES = {"default": env.db_url_config(_database_url)}
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # JIT compilation costs seconds on the statistics and status-filtered list queries
        # and never pays back at this size (see bench/README.md).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "banli.sqlite3"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Options the URL names itself (?timeout=…) win over these.
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# 等保2.0 §8.1.4.1 password rules: ≥ 8 characters, 3 of 4 character classes, not the username,
# not a common password, none of the last 5.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "banli.security.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "banli.security.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "banli.security.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
    {"NAME": "banli.security.validators.MaximumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "banli" / "static"]
# Uploaded files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Security baseline (banli/security; README “Security and deviations”) ---------------------
# Sessions are server-side (database); idle and absolute timeouts are enforced by
# SessionControlMiddleware, the cookie itself dies with the browser.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # __Host- cookies: HTTPS only, this host only, path /.
    SESSION_COOKIE_NAME = "__Host-banli_session"
    CSRF_COOKIE_NAME = "__Host-banli_csrf"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts or event handlers anywhere: all JS is in static files. Inline style
# attributes are tolerated (style-src-attr) because they cannot run code.
BANLI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Policy values; defaults are the 等保 level 3 ones. The general test suite relaxes the first three
# (tests/conftest.py); demo and development setups may too, through the environment.
BANLI_2FA_REQUIRED_ROLES = env.list(
    "BANLI_2FA_REQUIRED_ROLES", default=["sysadmin", "secadmin", "auditor", "body_staff", "coordinator"]
)
BANLI_PASSWORD_MAX_AGE_DAYS = env.int("BANLI_PASSWORD_MAX_AGE_DAYS", default=90)
BANLI_FORCE_PASSWORD_CHANGE = env.bool("BANLI_FORCE_PASSWORD_CHANGE", default=True)
BANLI_PASSWORD_HISTORY = 5
# Longest password that can be set, and that sign-in accepts (longer ones are refused unhashed).
BANLI_PASSWORD_MAX_LENGTH = 128
# How long the periodic scan keeps login attempts and ended sessions (the audit log keeps sign-ins).
BANLI_LOGIN_ATTEMPT_RETENTION_DAYS = env.int("BANLI_LOGIN_ATTEMPT_RETENTION_DAYS", default=180)
BANLI_SESSION_RETENTION_DAYS = env.int("BANLI_SESSION_RETENTION_DAYS", default=180)
BANLI_LOGIN_MAX_FAILURES = env.int("BANLI_LOGIN_MAX_FAILURES", default=5)
BANLI_LOGIN_FAILURE_WINDOW_MINUTES = 15
BANLI_LOCKOUT_MINUTES = env.int("BANLI_LOCKOUT_MINUTES", default=30)
BANLI_IP_MAX_FAILURES = env.int("BANLI_IP_MAX_FAILURES", default=50)
# Reverse proxies whose X-Forwarded-For is believed (audit addresses, per-address throttle).
BANLI_TRUSTED_PROXIES = env.list("BANLI_TRUSTED_PROXIES", default=[])
BANLI_SESSION_IDLE_MINUTES = env.int("BANLI_SESSION_IDLE_MINUTES", default=30)
BANLI_ADMIN_SESSION_IDLE_MINUTES = env.int("BANLI_ADMIN_SESSION_IDLE_MINUTES", default=15)
BANLI_SESSION_ABSOLUTE_HOURS = env.int("BANLI_SESSION_ABSOLUTE_HOURS", default=12)
BANLI_AUDIT_MIN_RETENTION_DAYS = 180
BANLI_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
BANLI_TOTP_ISSUER = "建议提案办理平台"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Page size of case lists.
BANLI_PAGE_SIZE = 50

# The audit chain's anchor outside the database (banli/audit/anchor.py; README "Deployment"): a file
# the database's owner cannot rewrite, and the MAC key (never stored in the database).
BANLI_AUDIT_ANCHOR_FILE = env.str("BANLI_AUDIT_ANCHOR_FILE", default="")
BANLI_AUDIT_ANCHOR_KEY = env.str("BANLI_AUDIT_ANCHOR_KEY", default="")
BANLI_AUDIT_ANCHOR_KEY_FILE = env.str("BANLI_AUDIT_ANCHOR_KEY_FILE", default="")

# The open API (banli/api): DRF + drf-spectacular; Swagger UI assets from drf-spectacular-sidecar.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "banli.api.auth.IntegrationTokenAuthentication",
        "banli.api.auth.BanliSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["banli.api.auth.TokenActionPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "banli.api.base.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "建议提案办理平台 开放接口",
    "DESCRIPTION": "与页面调用同一套业务服务和权限范围。认证：浏览器会话，或安全管理员签发的接口令牌"
    "（Authorization: Bearer bnl_…）。每个 POST 须带 Idempotency-Key；修改须带 If-Match。",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"VerdictEnum": "banli.cases.models.Verdict"},
}

# Messages (SMS interface, banli/notify/gateways.py): BANLI_SMS_PROVIDER = log | aliyun | tencent | wecom;
# BANLI_SMS_BACKEND (a dotted path) overrides it. Each provider's keys come from the environment.
_SMS_PROVIDERS = {
    "log": "banli.notify.services.LogSMSBackend",
    "aliyun": "banli.notify.gateways.AliyunSMSBackend",
    "tencent": "banli.notify.gateways.TencentSMSBackend",
    "wecom": "banli.notify.gateways.WeComBackend",
}
BANLI_SMS_PROVIDER = env.str("BANLI_SMS_PROVIDER", default="log")
if BANLI_SMS_PROVIDER not in _SMS_PROVIDERS:
    raise ImproperlyConfigured(f"BANLI_SMS_PROVIDER must be one of {sorted(_SMS_PROVIDERS)}")
BANLI_SMS_BACKEND = env.str("BANLI_SMS_BACKEND", default=_SMS_PROVIDERS[BANLI_SMS_PROVIDER])
BANLI_ALIYUN_SMS_ACCESS_KEY_ID = env.str("BANLI_ALIYUN_SMS_ACCESS_KEY_ID", default="")
BANLI_ALIYUN_SMS_ACCESS_KEY_SECRET = env.str("BANLI_ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
BANLI_ALIYUN_SMS_SIGN_NAME = env.str("BANLI_ALIYUN_SMS_SIGN_NAME", default="")
BANLI_ALIYUN_SMS_TEMPLATE_CODE = env.str("BANLI_ALIYUN_SMS_TEMPLATE_CODE", default="")
BANLI_ALIYUN_SMS_REGION = env.str("BANLI_ALIYUN_SMS_REGION", default="cn-hangzhou")
BANLI_ALIYUN_SMS_ENDPOINT = env.str("BANLI_ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
BANLI_TENCENT_SMS_SECRET_ID = env.str("BANLI_TENCENT_SMS_SECRET_ID", default="")
BANLI_TENCENT_SMS_SECRET_KEY = env.str("BANLI_TENCENT_SMS_SECRET_KEY", default="")
BANLI_TENCENT_SMS_SDK_APP_ID = env.str("BANLI_TENCENT_SMS_SDK_APP_ID", default="")
BANLI_TENCENT_SMS_SIGN_NAME = env.str("BANLI_TENCENT_SMS_SIGN_NAME", default="")
BANLI_TENCENT_SMS_TEMPLATE_ID = env.str("BANLI_TENCENT_SMS_TEMPLATE_ID", default="")
BANLI_TENCENT_SMS_REGION = env.str("BANLI_TENCENT_SMS_REGION", default="ap-guangzhou")
BANLI_TENCENT_SMS_ENDPOINT = env.str("BANLI_TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com/")
BANLI_WECOM_CORP_ID = env.str("BANLI_WECOM_CORP_ID", default="")
BANLI_WECOM_SECRET = env.str("BANLI_WECOM_SECRET", default="")
BANLI_WECOM_AGENT_ID = env.str("BANLI_WECOM_AGENT_ID", default="")
BANLI_WECOM_API_BASE = env.str("BANLI_WECOM_API_BASE", default="https://qyapi.weixin.qq.com/cgi-bin/")
