"""Classroom Pulse settings: one file, configured by environment variables.

Unset, everything runs embedded: SQLite, the in-memory channel layer and inference
inside the web process. Set DATABASE_URL and REDIS_URL for production.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from classroom.vocabulary import EMOTION_MODES, EmotionMode

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envfloat(name: str, default: str) -> float:
    return float(os.environ.get(name, default))


DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = envbool("DEBUG", "true")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: production refuses to start with the default secret key.")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "classroom",
    "live",  # before channels: its runworker command (a worker that outlives a Redis restart) wins
    "channels",
    "engagement",
    "loadtest",
    "ops",
]

MIDDLEWARE = [
    "ops.logs.RequestContextMiddleware",  # request and session ids for the log lines of this request
    "ops.probes.ProbeMiddleware",  # /healthz, /readyz, /metrics: before host checks and the HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the reader's language: their choice (cookie), else the browser's
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Storage: SQLite by default, PostgreSQL (or anything dj-database-url knows) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The in-process worker writes from its own thread: WAL lets pages read while it writes, IMMEDIATE
    # transactions wait for the write lock (up to `timeout` s) instead of failing when a read turns into a write.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # A file, not Django's shared-cache in-memory database, whose table locks fail at once instead of waiting.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"pulse-test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails a connection (and /readyz) within seconds, not after the TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", envint("DB_CONNECT_TIMEOUT_S", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and shared cache: in memory by default, Redis via REDIS_URL.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_PREFIX = os.environ.get("CACHE_PREFIX", "pulse")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "capacity": envint("CHANNEL_CAPACITY", "1000"),
                "expiry": 30,
                "prefix": os.environ.get("CHANNEL_PREFIX", "asgi"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            # An unreachable Redis fails a cache call (and /readyz) within seconds, not after the TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 10},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000, "expiry": 30}}
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pulse"}}

# --- Inference.
# Embedded: the inference worker runs inside the web process. Production: run
# `python manage.py runworker inference` processes and set INFERENCE_IN_PROCESS=false.
INFERENCE_CHANNEL = os.environ.get("INFERENCE_CHANNEL", "inference")
INFERENCE_IN_PROCESS = envbool("INFERENCE_IN_PROCESS", "false" if REDIS_URL else "true")
INFERENCE_MAX_BATCH = envint("INFERENCE_MAX_BATCH", "32")
INFERENCE_THREADS = envint("INFERENCE_THREADS", "1")
EMOTION_MODEL_PATH = os.environ.get("EMOTION_MODEL_PATH", "")  # empty: the model shipped in inference/weights
# The face detector: "blazeface" (MediaPipe's short-range model on LiteRT: finds far more real faces, and its
# keypoints give upright crops and head pose) or "haar" (OpenCV's cascades: the fallback, without pose, so
# "looking away" is never raised). docs/benchmarks.md compares the two.
FACE_DETECTOR = os.environ.get("FACE_DETECTOR", "blazeface")
if FACE_DETECTOR not in ("blazeface", "haar"):
    raise ImproperlyConfigured("FACE_DETECTOR must be one of: blazeface, haar")
# Test-time augmentation: each face is classified in ten views (moved two pixels each way, and mirrored). It
# gains about one point of single-image accuracy (inference/MODEL.md) for ten times the model's cost per face;
# live readings are smoothed over several snapshots anyway, so the live worker leaves it off unless asked.
EMOTION_TTA = envbool("EMOTION_TTA", "false")
# Student events (joined, left, a voice tap, a dismissed flag) wait in the engine per session and are handled in
# batches of at most ENGINE_EVENTS_BATCH, at most ENGINE_EVENTS_PER_SESSION of one session each, sessions in turn;
# a session with ENGINE_EVENTS_QUEUED_PER_SESSION waiting loses (and counts) the next.
ENGINE_EVENTS_BATCH = envint("ENGINE_EVENTS_BATCH", "64")
ENGINE_EVENTS_PER_SESSION = envint("ENGINE_EVENTS_PER_SESSION", "16")
ENGINE_EVENTS_QUEUED_PER_SESSION = envint("ENGINE_EVENTS_QUEUED_PER_SESSION", "5000")
# Emotion inference: "on" (every session infers emotions), "off" (never; presence, attention
# and student voice only) or "per-session" (the teacher chooses; new sessions default to on).
EMOTION_INFERENCE = os.environ.get("EMOTION_INFERENCE", EmotionMode.PER_SESSION.value)
if EMOTION_INFERENCE not in EMOTION_MODES:
    raise ImproperlyConfigured(f"EMOTION_INFERENCE must be one of: {', '.join(EMOTION_MODES)}")

# --- Operations (ops/): probes, metrics, worker heartbeats.
# /readyz fails a check that takes longer than this (seconds).
READY_TIMEOUT_S = envfloat("READY_TIMEOUT_S", "3")
# Each inference worker writes a heartbeat to Redis this often; /readyz (with INFERENCE_IN_PROCESS=false)
# needs one no older than READY_WORKER_MAX_AGE_S.
WORKER_HEARTBEAT_S = envfloat("WORKER_HEARTBEAT_S", "2")
READY_WORKER_MAX_AGE_S = envfloat("READY_WORKER_MAX_AGE_S", "10")
# /metrics answers clients from these addresses or networks, or with `Authorization: Bearer <METRICS_TOKEN>`.
# Behind a proxy (Daphne --proxy-headers) the address is the one the proxy forwards: keep /metrics off the
# proxy (deploy/Caddyfile) and scrape each web process directly.
METRICS_ALLOWED_IPS = os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- The live protocol's limits.
MAX_FRAME_BYTES = envint("MAX_FRAME_BYTES", str(200 * 1024))
MAX_TEXT_MESSAGE_BYTES = envint("MAX_TEXT_MESSAGE_BYTES", "4096")
# Commands per socket (student and teacher; snapshots have their own limit, the session's frame interval): a
# burst of COMMAND_BURST at once, then COMMANDS_PER_SECOND sustained; more is refused (`too_many_commands`), and
# COMMAND_FLOOD_REFUSALS refusals within COMMAND_FLOOD_WINDOW_S seconds close the socket (4008).
COMMAND_BURST = envint("COMMAND_BURST", "30")
COMMANDS_PER_SECOND = envfloat("COMMANDS_PER_SECOND", "5")
COMMAND_FLOOD_REFUSALS = envint("COMMAND_FLOOD_REFUSALS", "100")
COMMAND_FLOOD_WINDOW_S = envfloat("COMMAND_FLOOD_WINDOW_S", "10")
# A socket with more than this many messages read by the server and not yet handled is closed (4008) at once: its
# client sends far faster than any page does, faster than the refusals can keep up with.
MAX_UNREAD_MESSAGES = envint("MAX_UNREAD_MESSAGES", "200")
# A student or teacher whose socket was closed for flooding cannot open another for this many seconds.
FLOOD_COOLDOWN_S = envint("FLOOD_COOLDOWN_S", "30")
# Self-reports stored per student per minute; more are refused (`too_many_reports`) and store nothing.
SELF_REPORTS_PER_MINUTE = envint("SELF_REPORTS_PER_MINUTE", "10")
# A poll's results go to the teacher at most once per POLL_RESULTS_EVERY_S seconds, however fast answers come.
POLL_RESULTS_EVERY_S = envfloat("POLL_RESULTS_EVERY_S", "0.5")
PARTICIPANT_TOKEN_MAX_AGE_S = envint("PARTICIPANT_TOKEN_MAX_AGE_S", str(12 * 3600))
JOIN_ATTEMPTS_PER_MINUTE = envint("JOIN_ATTEMPTS_PER_MINUTE", "20")  # wrong codes, per address
# Joins with a right code, per address: generous, since a whole school may share one address (NAT).
JOINS_PER_ADDRESS_PER_MINUTE = envint("JOINS_PER_ADDRESS_PER_MINUTE", "120")
MAX_PARTICIPANTS_PER_SESSION = envint("MAX_PARTICIPANTS_PER_SESSION", "300")
# Failed teacher log-ins per window, per username and (generously: a school shares one address) per address.
LOGIN_FAILURES_PER_USERNAME = envint("LOGIN_FAILURES_PER_USERNAME", "10")
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", "100")
LOGIN_FAILURE_WINDOW_S = envint("LOGIN_FAILURE_WINDOW_S", "900")
TIMELINE_BUCKET_S = envint("TIMELINE_BUCKET_S", "5")
# A session's timeline bucket and class alert are recomputed at most this often (seconds), whatever the frame rate.
SESSION_REFRESH_S = envint("SESSION_REFRESH_S", "1")

# --- Privacy.
# Whom students (and parents) ask to see, correct or delete their data, or complain first (docs/privacy.md): the
# school's data protection officer or grievance contact, e.g. "Ms Rao, privacy@school.example, 020 1234 5678".
# Shown in every privacy notice as written here; unset, the notice says "your teacher or your school's office".
PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "").strip()
READING_RETENTION_DAYS = envint("READING_RETENTION_DAYS", "180")
# A session still "live" with no student reading, join or voice for this many hours is ended by
# `manage.py purge_readings` (0: never), so a class nobody ended is purged in its turn.
SESSION_IDLE_END_HOURS = envfloat("SESSION_IDLE_END_HOURS", "3")

# --- Languages (docs/i18n.md). Pages, forms and the JavaScript speak the reader's choice (the language switcher
# keeps it in a cookie) or else the first of their browser's languages listed here; English otherwise. The
# switcher names each in its own language (Django's name_local: "हिंदी"). The catalogues are committed, compiled.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "Hindi")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # our date and time formats per language, before Django's own
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # remembered for a year, on this browser only
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only: the pages get the language from <html lang>
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Plotly.js's basic distribution (scatter and bar, all the charts need) is vendored under static/vendor/plotly:
# no CDN, works offline (THIRD_PARTY.md).
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed names (cached for a year by browsers) and gzip copies, from `manage.py collectstatic`, which `make run`,
# `make test`, the image and the migrate unit run. DEBUG pages use the plain names and need no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.PulseStaticFilesStorage"},
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "classroom:home"
LOGOUT_REDIRECT_URL = "login"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    LANGUAGE_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Production sits behind a TLS proxy that says `X-Forwarded-Proto: https`; a plain-HTTP request that still
    # reaches Django is redirected to HTTPS (probes are answered before this). SECURE_SSL_REDIRECT=false only for
    # a plain-HTTP deployment on a trusted network (the load benchmark on loopback).
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Preloading is a promise, for the whole domain and its subdomains, that is hard to take back: a school's
    # domain often serves other sites that are not all on HTTPS. The operator opts in; W021 is silenced below.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
# security.W021 (SECURE_HSTS_PRELOAD unset) is the operator's decision for their domain, see just above.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# LOG_FORMAT=json: one JSON object per line, with the request id (X-Request-ID, or one made up per request or
# socket) and the class session's id where known (ops/logs.py). Plain text by default.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
