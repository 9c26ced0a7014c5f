"""Settings shared by every environment; everything that differs between machines comes from the
environment (DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS)."""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "feedback_archive.core",
    "feedback_archive.taxonomy",
    "feedback_archive.versions",
    "feedback_archive.feedback",
    "feedback_archive.intake",
    "feedback_archive.workflow",
    "feedback_archive.classification",
    "feedback_archive.reports",
    "feedback_archive.api",
    "feedback_archive.triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "feedback_archive.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # last, as django-axes asks: locks out an account+address after repeated failed logins
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Which X-Forwarded-For hops to believe (core/clientip.py, docs/security.md): the number of our
# proxies in front of the app, or their addresses/networks. Neither: the header is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))  # per username and client address
# per username from all addresses together (a guess spread over many addresses)
LOGIN_USERNAME_FAILURE_LIMIT = int(os.environ.get("LOGIN_USERNAME_FAILURE_LIMIT", 20))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = "feedback_archive.core.clientip.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "feedback_archive.core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Content security policy: everything from our own origin (charts are server-rendered SVG, the
# API docs use the split Swagger view), no inline scripts. Inline style attributes are allowed
# for the admin's own widgets and our status badges.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL when DATABASE_URL says so --------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker write to the same file: IMMEDIATE transactions make a second writer
    # wait (up to `timeout`) instead of failing with "database is locked"; WAL lets readers go on.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time: Chinese first, English available; users in Asia/Shanghai, UTC stored --
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "feedback_archive.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["feedback_archive.api.permissions.HasScope"],
    # the contract is JSON in and out: other bodies get 415 in JSON, not a parser's HTML error
    # (with a nesting limit: deep JSON otherwise overflows Python's recursion → 500)
    "DEFAULT_PARSER_CLASSES": ["feedback_archive.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["feedback_archive.api.renderers.SafeJSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "feedback_archive.api.pagination.CappedCountPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "feedback_archive.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["feedback_archive.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": os.environ.get("API_THROTTLE_RATE", "6000/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's default (None) believes any X-Forwarded-For; our throttle reads core.clientip instead
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Feedback Archive API",
    "DESCRIPTION": "反馈归档 — intake, triage and reporting of user feedback. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "feedback_archive.api.schema.add_standard_errors",
    ],
    "ENUM_NAME_OVERRIDES": {"ResolutionEnum": "feedback_archive.feedback.choices.Resolution.choices"},
}
# Body limits: a single feedback is at most 20,000 characters (+ 16 KB metadata); a bulk request
# carries up to 1,000 of them. Larger bodies get 413 before anything is parsed.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 1_000_000))
API_MAX_BULK_BODY_BYTES = int(os.environ.get("API_MAX_BULK_BODY_BYTES", 64_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BULK_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# JSON bodies nested deeper than this get 400 (bulk → item → metadata and metadata's own 20 levels fit)
API_MAX_JSON_DEPTH = 32  # bulk (1) → items (2) → item (3) → metadata (4) + metadata's own 20 levels

# --- Jobs (django-q2): ORM broker by default, Redis when REDIS_URL is set -------------------
# Stopping (SIGTERM to the qcluster main process): django-q2 stops taking jobs, then every worker
# finishes its current job AND every job already fetched into the cluster's local queue before
# it exits. By default that queue holds workers² jobs; "queue_limit" = workers keeps the drain to
# about two jobs per worker, so a stop takes ~2× the longest job, not minutes (docs/reliability.md).
Q_WORKERS = int(os.environ.get("Q_WORKERS", 2))
Q_CLUSTER = {
    "name": "feedback_archive",
    "workers": Q_WORKERS,
    "queue_limit": int(os.environ.get("Q_QUEUE_LIMIT", Q_WORKERS)),
    "timeout": int(os.environ.get("Q_TIMEOUT", 600)),
    "retry": 900,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "label": _("Jobs"),
}
# Jobs lost with a killed cluster: the Redis broker hands a job over with BLPOP and never sees it
# again (no acknowledgement, so `retry` does nothing there); the ORM broker re-delivers after
# `retry`. Our sweeper finds the work itself (feedback still unclassified after
# JOB_LOST_AFTER_SECONDS) every JOB_SWEEP_MINUTES, so a lost job is redone within about
# JOB_LOST_AFTER_SECONDS + 60 × JOB_SWEEP_MINUTES + 30 s (the scheduler's own check).
JOB_SWEEP_MINUTES = int(os.environ.get("JOB_SWEEP_MINUTES", 1))
# Items per classification job: a bulk of 1,000 was one job of 1,000 items, and a stopping worker
# must finish its job (and the fetched ones) first — so the job size bounds the stop time.
JOB_MAX_ITEMS = int(os.environ.get("JOB_MAX_ITEMS", 100))
JOB_LOST_AFTER_SECONDS = int(os.environ.get("JOB_LOST_AFTER_SECONDS", 120))
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Absolute address of the product, for links in emails
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "feedback-archive@localhost")

# --- Product defaults --------------------------------------------------------------------------
FEEDBACK_DEFAULT_PRODUCT = os.environ.get("FEEDBACK_DEFAULT_PRODUCT", "im")
FEEDBACK_MAX_CONTENT_CHARS = 20_000
FEEDBACK_MAX_METADATA_BYTES = 16 * 1024
FEEDBACK_FUTURE_TOLERANCE_SECONDS = 300

# The intake pipeline (intake/pipeline.py, docs/operations.md "Pipeline lag")
PIPELINE_BATCH = int(os.environ.get("PIPELINE_BATCH", 500))  # a job takes waiting items along up to this many
PIPELINE_RETRY_SECONDS = int(os.environ.get("PIPELINE_RETRY_SECONDS", 60))  # first back-off; doubles per attempt
PIPELINE_MAX_ATTEMPTS = int(os.environ.get("PIPELINE_MAX_ATTEMPTS", 5))  # then it stays failed until re-run
PIPELINE_LOST_AFTER_SECONDS = int(os.environ.get("PIPELINE_LOST_AFTER_SECONDS", 300))  # received, no progress: job lost
PIPELINE_CLAIM_LEASE_SECONDS = int(os.environ.get("PIPELINE_CLAIM_LEASE_SECONDS", 240))  # a dead job's claim expires
PIPELINE_LAG_ALERT_SECONDS = int(os.environ.get("PIPELINE_LAG_ALERT_SECONDS", 600))  # admins e-mailed above this
# Optional general sentiment word lists (*pos.txt / *neg.txt, one word a line) added under the
# hand-written lexicon, e.g. HowNet's if your licence allows (docs/classification.md)
SENTIMENT_LEXICON_DIR = os.environ.get("SENTIMENT_LEXICON_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- certification of the people who classify (workflow/certification.py, docs/workflow.md) -----------
CERTIFICATION_QUIZ_SIZE = int(os.environ.get("CERTIFICATION_QUIZ_SIZE", 25))
# per dimension code ("*" for every dimension): {"kappa": …, "accuracy": …}; defaults κ ≥ 0.7, accuracy ≥ 0.8
CERTIFICATION_PASS_MARKS: dict = {"*": {"kappa": 0.7, "accuracy": 0.8}}
# on: only certified agents confirm labels; others' choices become suggestions for review
CERTIFICATION_REQUIRED_TO_CONFIRM = os.environ.get("CERTIFICATION_REQUIRED_TO_CONFIRM", "0") == "1"

# --- the guidance loop (workflow/guidance.py): who owns the docs that consultation items point at -------
# a team slug (its members) and/or a role (group name); superusers always may
GUIDANCE_DOCS_OWNER_TEAM = os.environ.get("GUIDANCE_DOCS_OWNER_TEAM", "")
GUIDANCE_DOCS_OWNER_ROLE = os.environ.get("GUIDANCE_DOCS_OWNER_ROLE", "团队负责人")


# --- Declared once, read as settings.X everywhere (no getattr defaults scattered in the code) ----
# Workflow: satisfaction survey, outbox retries, SLA business hours (docs/workflow-routing-sla.md)
SATISFACTION_LINK_DAYS = int(os.environ.get("SATISFACTION_LINK_DAYS", 14))  # a survey link lives this long
SATISFACTION_LOW_RATING = int(os.environ.get("SATISFACTION_LOW_RATING", 2))  # ≤ this is "unsatisfied"
SATISFACTION_REOPEN_LOW = os.environ.get("SATISFACTION_REOPEN_LOW", "") == "1"  # a low rating reopens the item
OUTBOX_BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)  # then the delivery is a dead letter
SLA_BUSINESS_HOURS = ("09:00", "18:00")
SLA_TIME_ZONE = "Asia/Shanghai"
SLA_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)  # Monday … Friday
SLA_DEFAULT_SEVERITY = "normal"  # the policy for items without a severity yet
SLA_WARNING_HOURS = 2  # the owner is warned this long before a breach
# Intake: the admin's upload preview holds the file in memory
INTAKE_MAX_UPLOAD_BYTES = int(os.environ.get("INTAKE_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
# Classification: a learned model needs this many confirmed labels of a dimension; the seed set
# shipped with the product (None: the built-in classification/data/seed_training.jsonl; "": none)
CLASSIFICATION_MODEL_MIN_EXAMPLES = int(os.environ.get("CLASSIFICATION_MODEL_MIN_EXAMPLES", 200))
CLASSIFICATION_SEED_PATH = os.environ.get("CLASSIFICATION_SEED_PATH")
# Problem matching: the word weights are refitted this often, on a sample of this many reports
PROBLEM_MATCH_REFIT_SECONDS = 3600
PROBLEM_MATCH_FIT_SAMPLE = 5_000
