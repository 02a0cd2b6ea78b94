"""The one settings module: every value comes from the environment.

All local state (database, generated secrets, uploaded files, outbound feeds)
lives under MEDOFFICE_VAR_DIR so two instances never share state by accident.
"""

import base64
import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from medoffice.core.sealing import parse_keys as _parse_field_keys

env = environ.Env()

VAR_DIR = Path(env.str("MEDOFFICE_VAR_DIR", default="var")).resolve()
# Only the service account may read the database, keys and uploads kept here.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
FILES_DIR = VAR_DIR / "files"


def _secret_from_var(name: str, *, nbytes: int) -> str:
    """Read a secret kept in VAR_DIR, generating it (mode 0600) on first use."""
    path = VAR_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(nbytes))
    return path.read_text().strip()


DEBUG = env.bool("MEDOFFICE_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _secret_from_var("secret_key", nbytes=32)
# The audit chain key is held outside the database (SECURITY.md AU-03).
AUDIT_HMAC_KEY = env.str("MEDOFFICE_AUDIT_KEY", default="") or _secret_from_var(
    "audit.key", nbytes=32
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

TIME_ZONE = env.str("MEDOFFICE_TIME_ZONE", default="America/New_York")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"MEDOFFICE_TIME_ZONE={TIME_ZONE!r} is not an IANA zone") from exc
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "medoffice.core",
    "medoffice.patients",
    "medoffice.scheduling",
    "medoffice.coding",
    "medoffice.billing",
    "medoffice.interop",
    "medoffice.imports",
    # SMART on FHIR: its app model must exist before django-oauth-toolkit's tables.
    "medoffice.interop.smart",
    "oauth2_provider",
    "django_tasks",
    "django_tasks_db",
    "medoffice.messaging",
    "medoffice.eligibility",
    "medoffice.clinical",
    "medoffice.records",
    "medoffice.worklist",
    "medoffice.inventory",
    "medoffice.payments",
    "medoffice.accounts",
    "medoffice.reports",
    "medoffice.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # A REST API call with a bearer token takes a shorter way from here (see the class).
    "medoffice.core.middleware.TokenApiShortcutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "medoffice.core.middleware.SessionLifetimeMiddleware",
    "medoffice.core.middleware.OfficeTimeMiddleware",
    "medoffice.core.middleware.SecondFactorMiddleware",
    "medoffice.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "medoffice.urls"
WSGI_APPLICATION = "medoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "medoffice.core.context_processors.staff",
            ],
            # phone, usd, get_item: in every template without a {% load %}.
            "builtins": ["medoffice.core.templatetags.medoffice"],
        },
    }
]

_SQLITE_PRAGMAS = (
    # DU-01: durable commits, enforced foreign keys, and writers that wait.
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
    " PRAGMA busy_timeout=20000;"
)

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'medoffice.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {"init_command": _SQLITE_PRAGMAS, "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name an sqlite:// or postgres:// database")
# Connections kept between requests, on SQLite too: opening one there (the PRAGMAs above,
# Django's SQL functions, SQLite reading the schema) cost about 5 ms of CPU, a quarter of
# a booking request's (bench/scheduling_http.py). Each new connection still runs the
# PRAGMAs (DU-01).
_db.setdefault("CONN_MAX_AGE", env.int("MEDOFFICE_DB_CONN_MAX_AGE", default=60))
# SQLite: transactions queue on a lock file the kernel hands over (core/sqlite_writers.py)
# rather than in SQLite's busy sleeps.
MEDOFFICE_SQLITE_WRITER_QUEUE = env.bool("MEDOFFICE_SQLITE_WRITER_QUEUE", default=True)
_db["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# AC-08: PBKDF2-SHA256 first, so every stored hash uses it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if env.bool("MEDOFFICE_FAST_PASSWORD_HASHER", default=False):
    # Tests only: hashing dominates a suite that logs in thousands of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# AC-09: django-axes refuses sign-in for a username from one address after repeated
# failures; it authenticates nobody itself (Django's ModelBackend does).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with the permissions read in one statement (core/auth_backend.py).
    "medoffice.core.auth_backend.PermissionBackend",
]
AXES_FAILURE_LIMIT = env.int("MEDOFFICE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("MEDOFFICE_LOCKOUT_MINUTES", default=15))
# Username and address together: an attacker cannot lock the whole clinic out (one user
# from everywhere) and cannot spray one password over every account from one address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client address is the one waitress sets (from the trusted proxy only, see operations.md).
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Sign-ins are in the audit trail already: no second log of them in axes' own tables.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# AC-07: every staff sign-in needs a second factor (TOTP, RFC 6238): SecondFactorMiddleware.
OTP_TOTP_ISSUER = env.str("MEDOFFICE_MFA_ISSUER", default="MedOffice")

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# AC-05: idle time-out (sliding) and an absolute session lifetime.
SESSION_IDLE_TIMEOUT_SECONDS = env.int("MEDOFFICE_IDLE_TIMEOUT_MINUTES", default=15) * 60
SESSION_ABSOLUTE_LIFETIME_SECONDS = env.int("MEDOFFICE_SESSION_HOURS", default=12) * 3600
# The idle limit is enforced by SessionLifetimeMiddleware, which records activity at most
# every LAST_SEEN_RESOLUTION seconds, so reading a page does not always write the session.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

HTTPS = env.bool("MEDOFFICE_HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True

# AC-08/DP-03: sensitive fields (member ids, TOTP secrets) are sealed with AES-256-GCM
# (core/sealing.py). MEDOFFICE_FIELD_KEYS is "ID=BASE64KEY[,ID=BASE64KEY...]": the first key
# seals, the others are kept only to read values not yet re-sealed (`medoffice keys rotate`).
# MEDOFFICE_FIELD_INDEX_KEY (base64, 32 bytes) keys the search digests and never rotates.
# Production (MEDOFFICE_HTTPS) refuses to start without them; a development install or a
# test run makes its own under VAR_DIR.
_field_keys = env.str("MEDOFFICE_FIELD_KEYS", default="")
_field_index_key = env.str("MEDOFFICE_FIELD_INDEX_KEY", default="")
if HTTPS and not (_field_keys and _field_index_key):
    raise ImproperlyConfigured(
        "MEDOFFICE_FIELD_KEYS and MEDOFFICE_FIELD_INDEX_KEY must be set in production"
        " (MEDOFFICE_HTTPS=1): they encrypt member ids and second-factor secrets."
        " See docs/operations.md#encryption-keys."
    )
if not _field_keys:
    _field_keys = (
        "dev=" + base64.b64encode(bytes.fromhex(_secret_from_var("field.key", nbytes=32))).decode()
    )
if not _field_index_key:
    _field_index_key = base64.b64encode(
        bytes.fromhex(_secret_from_var("field_index.key", nbytes=32))
    ).decode()
FIELD_KEYS = _parse_field_keys(_field_keys, "MEDOFFICE_FIELD_KEYS")
try:
    FIELD_INDEX_KEY = base64.b64decode(_field_index_key, validate=True)
except ValueError as exc:
    raise ImproperlyConfigured("MEDOFFICE_FIELD_INDEX_KEY is not base64") from exc
if not FIELD_KEYS or len(FIELD_INDEX_KEY) != 32:
    raise ImproperlyConfigured(
        "MEDOFFICE_FIELD_KEYS needs at least one key and MEDOFFICE_FIELD_INDEX_KEY 32 bytes"
    )
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files are served by WhiteNoise from the installed package, so `serve` needs no
# collectstatic step and no second web server.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files are private: stored under VAR_DIR/files, served only by
# authorising views, never by a static or media URL (WB-03).
MEDIA_ROOT = FILES_DIR
# No URL pattern serves this prefix: it only gives Django's test server a string to compare.
MEDIA_URL = "/no-direct-access/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(FILES_DIR), "base_url": "/no-direct-access/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDOFFICE_MAX_UPLOAD_BYTES = env.int("MEDOFFICE_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MEDOFFICE_MAX_UPLOAD_BYTES + 1024 * 1024

# Without EMAIL_URL, mail is written to files under VAR_DIR/mail-outbox instead of being
# sent: never to the console, whose output ends up in logs (reminders carry PHI).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend") and not EMAIL_CONFIG.get(
    "EMAIL_FILE_PATH"
):
    EMAIL_FILE_PATH = str(VAR_DIR / "mail-outbox")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="medoffice@localhost")
# The join link of a telehealth visit: {room} becomes a fresh unguessable room name.
MEDOFFICE_TELEHEALTH_URL = env.str(
    "MEDOFFICE_TELEHEALTH_URL", default="https://video.example.org/medoffice/{room}"
)

# The address patients reach this office at: links in messages (waitlist offers) start here.
MEDOFFICE_PUBLIC_URL = env.str("MEDOFFICE_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# How many waiting patients are offered each freed time at once (first to accept books it).
MEDOFFICE_WAITLIST_OFFERS_PER_OPENING = env.int("MEDOFFICE_WAITLIST_OFFERS", default=3)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hl7_feed(url: str) -> dict:
    """MEDOFFICE_HL7_FEED: where the HL7 SIU appointment messages go (docs/interfaces.md)."""
    name = "MEDOFFICE_HL7_FEED"
    if not url:
        return {"transport": "file", "directory": VAR_DIR / "hl7" / "out"}
    if url == "off":
        return {"transport": "off"}
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured(f"{name}={url!r}: write file:///absolute/directory")
        return {"transport": "file", "directory": Path(unquote(parts.path))}
    if parts.scheme == "mllp":
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise ImproperlyConfigured(f"{name}={url!r}: write mllp://HOST:PORT")
        if not _is_loopback(parts.hostname):
            # MLLP is plain TCP: PHI may not cross a network unencrypted (DP-01).
            raise ImproperlyConfigured(
                f"{name}={url!r}: MLLP is unencrypted, so only a loopback address is allowed;"
                " reach a remote interface engine through a TLS tunnel listening on 127.0.0.1"
            )
        return {"transport": "mllp", "host": parts.hostname, "port": port}
    raise ImproperlyConfigured(f"{name}={url!r}: use file:///DIRECTORY, mllp://HOST:PORT or off")


MEDOFFICE_HL7_FEED = _hl7_feed(env.str("MEDOFFICE_HL7_FEED", default=""))
# Seconds to wait for the MLLP receiver to accept the connection and to acknowledge.
MEDOFFICE_HL7_TIMEOUT_SECONDS = env.int("MEDOFFICE_HL7_TIMEOUT_SECONDS", default=5)
if MEDOFFICE_HL7_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("MEDOFFICE_HL7_TIMEOUT_SECONDS must be at least 1")

# The inbound MLLP listener (`medoffice hl7 listen`, docs/interfaces.md#the-mllp-listener).
MEDOFFICE_HL7_LISTEN_HOST = env.str("MEDOFFICE_HL7_LISTEN_HOST", default="127.0.0.1")
if not _is_loopback(MEDOFFICE_HL7_LISTEN_HOST):
    # MLLP is plain TCP: PHI may not cross a network unencrypted (DP-01); a TLS tunnel
    # (stunnel) terminates on this machine and hands the bytes to the loopback port.
    raise ImproperlyConfigured(
        f"MEDOFFICE_HL7_LISTEN_HOST={MEDOFFICE_HL7_LISTEN_HOST!r}: MLLP is unencrypted, so"
        " only a loopback address is allowed; put a TLS tunnel in front of it"
    )
MEDOFFICE_HL7_LISTEN_PORT = env.int("MEDOFFICE_HL7_LISTEN_PORT", default=2575)
if not 0 < MEDOFFICE_HL7_LISTEN_PORT < 65536:
    raise ImproperlyConfigured("MEDOFFICE_HL7_LISTEN_PORT must be a TCP port (1-65535)")
# The practice the listener files messages for (its UUID); empty: the only practice there is.
MEDOFFICE_HL7_LISTEN_PRACTICE = env.str("MEDOFFICE_HL7_LISTEN_PRACTICE", default="")
# A frame must be complete within this many seconds of its first byte (and an idle
# connection is closed after it): a sender that stops mid-frame cannot hold a thread.
MEDOFFICE_HL7_LISTEN_TIMEOUT_SECONDS = env.int("MEDOFFICE_HL7_LISTEN_TIMEOUT_SECONDS", default=30)
if MEDOFFICE_HL7_LISTEN_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("MEDOFFICE_HL7_LISTEN_TIMEOUT_SECONDS must be at least 1")
# The largest message accepted; a bigger frame is kept (cut at this size) as broken.
MEDOFFICE_HL7_MAX_MESSAGE_BYTES = env.int("MEDOFFICE_HL7_MAX_MESSAGE_BYTES", default=1_048_576)
if MEDOFFICE_HL7_MAX_MESSAGE_BYTES < 1024:
    raise ImproperlyConfigured("MEDOFFICE_HL7_MAX_MESSAGE_BYTES must be at least 1024")
# Background work: the Django Tasks API with the database-backed queue (django-tasks-db);
# `medoffice worker` runs it. Messages to patients go through the "messaging" queue.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "messaging"],
    }
}

# Faxes (records, referrals, the communications log) go through this gateway class; the
# default keeps them in a table (Configuration -> Fax outbox items) and sends nothing.
MEDOFFICE_FAX_BACKEND = env.str(
    "MEDOFFICE_FAX_BACKEND", default="medoffice.records.fax.OutboxFaxBackend"
)
# Documents may live in S3-compatible storage instead of VAR_DIR/files: set
# MEDOFFICE_DOCUMENT_STORAGE=s3 and the AWS_* settings django-storages reads (pip extra
# `s3`; docs/operations.md).
if env.str("MEDOFFICE_DOCUMENT_STORAGE", default="filesystem") == "s3":
    from medoffice.core.storage import s3_storage

    STORAGES["default"] = s3_storage(
        bucket=env.str("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=None),
        region=env.str("AWS_S3_REGION_NAME", default=None),
    )

# Text messages: "outbox" keeps them in a table (Configuration -> Sms outbox) and sends
# nothing; "twilio" sends through Twilio's REST API with the three TWILIO_ settings.
SMS_BACKEND = env.str("MEDOFFICE_SMS_BACKEND", default="outbox")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
if SMS_BACKEND not in ("outbox", "twilio"):
    raise ImproperlyConfigured("MEDOFFICE_SMS_BACKEND must be outbox or twilio")
_TWILIO_READY = TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER
if SMS_BACKEND == "twilio" and not _TWILIO_READY:
    raise ImproperlyConfigured(
        "MEDOFFICE_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and"
        " TWILIO_FROM_NUMBER"
    )
# The inbound text webhook: Twilio signs its requests with the auth token; anything else
# posting replies (the outbox backend's test harness) must send this shared secret.
SMS_WEBHOOK_TOKEN = env.str("MEDOFFICE_SMS_WEBHOOK_TOKEN", default="")
# The exact public address Twilio posts to (its signature covers it), when the proxy in
# front of MedOffice changes what the request looks like; default: the request's own URL.
SMS_WEBHOOK_URL = env.str("MEDOFFICE_SMS_WEBHOOK_URL", default="")
# The right-hand side of calendar invitation UIDs (appointment-id@domain).
CALENDAR_UID_DOMAIN = env.str(
    "MEDOFFICE_CALENDAR_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
)

# Eligibility (270/271): the class that carries a 270 to the payer (docs/operations.md).
# The default, a simulated payer, answers at once from the coverage on file (demo, tests);
# medoffice.eligibility.gateways.ClearinghouseFolder writes to VAR_DIR/clearinghouse/outbox.
MEDOFFICE_ELIGIBILITY_GATEWAY = env.str(
    "MEDOFFICE_ELIGIBILITY_GATEWAY", default="medoffice.eligibility.gateways.SimulatedPayer"
)
# Payer ids the simulated payer answers "unable to respond now" for (AAA 42).
MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE = env.list(
    "MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE", default=[]
)
# A pending check with no 271 after this many hours is settled as not answered.
MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS = env.int("MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS", default=24)
if MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS < 1:
    raise ImproperlyConfigured("MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS must be at least 1")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "medoffice.core.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "medoffice.core.api_errors.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MedOffice API",
    "DESCRIPTION": (
        "Patients, coverage and search for a medical office."
        " Every read and change of patient records is audited."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed package, not a CDN, with no inline script (CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "medoffice.patients.models.SexAtBirth",
        "PatientStatusEnum": "medoffice.patients.models.PatientStatus",
        "CoverageStatusEnum": "medoffice.patients.models.CoverageStatus",
        "EligibilityStatusEnum": "medoffice.eligibility.states.CheckStatus",
        "AppointmentStatusEnum": "medoffice.scheduling.states.AppointmentStatus",
        "ClaimStatusEnum": "medoffice.billing.states.ClaimStatus",
        "ClaimFrequencyEnum": "medoffice.billing.models.ClaimFrequency",
        "EncounterStatusEnum": "medoffice.billing.states.EncounterStatus",
        "ProblemStatusEnum": "medoffice.clinical.models.ProblemStatus",
        "IdentityCheckMethodEnum": "medoffice.records.models.IdentityMethod",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "medoffice.core.api_errors.document_problems",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per record: CR/LF and control characters in messages are escaped (AU-05).
    "formatters": {
        "plain": {
            "()": "medoffice.core.logs.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("MEDOFFICE_LOG_LEVEL", default="INFO")},
    # Request lines carry URLs and query strings, which may carry search terms.
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # django-axes notes every sign-in at INFO; the audit trail has them already.
        "axes": {"level": "WARNING"},
    },
}

# Clinical record (docs/clinical.md). Speech-to-text for dictations: a dotted path to a
# callable `transcribe(audio: bytes, audio_type: str) -> str`, or empty for none (the default:
# a transcriptionist types every dictation).
MEDOFFICE_SPEECH_ENGINE = env.str("MEDOFFICE_SPEECH_ENGINE", default="")
MEDOFFICE_EMERGENCY_ACCESS_MINUTES = env.int("MEDOFFICE_EMERGENCY_ACCESS_MINUTES", default=60)
if not 1 <= MEDOFFICE_EMERGENCY_ACCESS_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("MEDOFFICE_EMERGENCY_ACCESS_MINUTES must be 1 to 1440")
# AU-06: audit rows, disclosures and security documentation are kept at least six years
# (164.316(b)(2)(i)); the purge job (`medoffice retention purge`) removes only older ones.
MEDOFFICE_RETENTION_YEARS = env.int("MEDOFFICE_RETENTION_YEARS", default=6)
if MEDOFFICE_RETENTION_YEARS < 6:
    raise ImproperlyConfigured("MEDOFFICE_RETENTION_YEARS must be at least 6 (HIPAA 164.316)")
MEDOFFICE_MAX_DICTATION_BYTES = env.int("MEDOFFICE_MAX_DICTATION_BYTES", default=50 * 1024 * 1024)


# SMART on FHIR authorization (interop/smart, docs/fhir.md): django-oauth-toolkit is the
# OAuth 2.0 / OpenID Connect server; registered apps are smart.SmartApp.
OAUTH2_PROVIDER_APPLICATION_MODEL = "smart.SmartApp"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105  # nosec B105 - a model name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105  # nosec B105 - a model name
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105  # nosec B105 - a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"


def _oidc_private_key() -> str:
    """The RSA key id_tokens are signed with, kept in VAR_DIR (mode 0600) unless given."""
    given = env.str("MEDOFFICE_OIDC_KEY_FILE", default="")
    path = Path(given) if given else VAR_DIR / "oidc_rsa.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.touch(mode=0o600)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path.read_text()


SMART_ACCESS_TOKEN_SECONDS = env.int("MEDOFFICE_SMART_TOKEN_MINUTES", default=60) * 60
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "medoffice.interop.smart.validator.SmartValidator",
    "SCOPES_BACKEND_CLASS": "medoffice.interop.smart.validator.SmartScopes",
    "APPLICATION_ADMIN_CLASS": "medoffice.interop.smart.admin.SmartAppAdmin",
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_private_key(),
    # SMART App Launch 2.0: PKCE with S256 for every authorization code; "plain" refused.
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    # The rest of RFC 9700 (OAuth 2.0 Security BCP): tokens only in the Authorization
    # header, `iss` in the authorization response, tokens stored hashed, refresh-token
    # replay detection (`check --deploy` warns about each one left off).
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,  # nosec B105 - refuses the password grant
    "ACCESS_TOKEN_EXPIRE_SECONDS": SMART_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,  # nosec B105 - a switch, not a secret
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if not HTTPS else ["https"],
}
# Bulk Data export files (ndjson) live here, outside any served directory (WB-03).
EXPORTS_DIR = VAR_DIR / "exports"
