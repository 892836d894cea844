"""The baseline of `bench/http_bench.py`: bare Django on the same database, with hand-written SQL.

One view lists fifty proposals through a template (what a list page does at the least), one writes
an UPDATE and an INSERT in a transaction (what an action does at the least). No middleware, no
sessions, no ORM: whatever Banli's pages cost beyond this is Banli's own.
"""

import os
from pathlib import Path

import environ

env = environ.Env()
SECRET_KEY = "bare-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.bare.views"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True
_data = Path(os.environ.get("BANLI_DATA_DIR", "var"))
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{_data / 'banli.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The same connection options Banli uses for SQLite, so the baseline is not handicapped.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "OPTIONS": {}}]
