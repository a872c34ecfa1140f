"""Django settings, read from ``SENDREG_*`` environment variables (see README)."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sendreg.lib.env import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    private_dir,
    private_file,
)

BASE_DIR = Path(__file__).resolve().parent
HOME = private_dir(env_path("HOME", Path.cwd() / ".sendreg"))


def _secret_key() -> str:
    """The configured key, or one generated once and kept under SENDREG_HOME."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    path = HOME / "secret_key"
    if not path.exists():
        # Created owner-only before the key is written, so it is never readable by others.
        private_file(path).write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = list(env_list("ALLOWED_HOSTS", ("127.0.0.1", "localhost", "[::1]")))
CSRF_TRUSTED_ORIGINS = list(env_list("CSRF_TRUSTED_ORIGINS"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sendreg.accounts",
    "sendreg.audit",
    "sendreg.pupils",
    "sendreg.register",
    "sendreg.imports",
    "sendreg.records",
    "sendreg.census",
    "sendreg.documents",
    "sendreg.support",
    "sendreg.deadlines",
    "sendreg.ehc",
    "sendreg.provision",
    "sendreg.transfer",
    "sendreg.insight",
    "sendreg.organisations",
    "sendreg.pages",
    "sendreg.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files get the Content-Security-Policy too.
    "sendreg.accounts.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sendreg.lib.middleware.ControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sendreg.accounts.middleware.SessionExpiryMiddleware",
    "sendreg.accounts.middleware.TwoFactorMiddleware",
    "sendreg.accounts.middleware.MembershipMiddleware",
    "sendreg.lib.middleware.DatabaseBusyMiddleware",
    "sendreg.audit.middleware.AccessLogMiddleware",
]

ROOT_URLCONF = "sendreg.urls"
WSGI_APPLICATION = "sendreg.wsgi.application"

#: Django's form templates, with drop-down lists made faster (``lib.formrender``).
FORM_RENDERER = "sendreg.lib.formrender.Renderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sendreg.accounts.context_processors.membership",
                "sendreg.pages.context_processors.navigation",
            ],
            "builtins": [
                "template_partials.templatetags.partials",
                "sendreg.register.templatetags.sendreg_codes",
                "sendreg.lib.fragments",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    },
    # The busiest lists of rows, in Jinja2 (``lib.fragments``): only ever asked for by name.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "fragments",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "sendreg.lib.fragments.environment", "autoescape": True},
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{HOME / 'sendreg.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
#: How long a write waits for another writer to finish before the user is asked to try
#: again (SQLite allows one writer at a time), in seconds.
SQLITE_BUSY_SECONDS = env_int("SQLITE_BUSY_SECONDS", 15)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer commits; IMMEDIATE takes the write
    # lock when a transaction starts, so two requests never both read and then both
    # try to write (which SQLite can only settle by failing one at once); the busy
    # timeout makes a writer wait its turn rather than fail.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_SECONDS,
    }
    # Connections are kept between requests (for 60 s, as on PostgreSQL): opening one costs
    # Django about 2 ms of CPU (its SQL functions are registered on each), which every
    # request paid. Between requests a kept connection holds no transaction, so it blocks
    # no writer in this or another process.
    if DATABASES["default"]["NAME"] not in {"", ":memory:"}:
        private_file(Path(DATABASES["default"]["NAME"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sendreg.accounts.backends.UserBackend"]
PASSWORD_HASHERS = [
    # Argon2 with a bounded memory cost and a limit on concurrent hashing (docs/decisions.md).
    "sendreg.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_ENGINE = "sendreg.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600
#: Served over HTTPS (directly or behind a proxy that says so): redirect plain HTTP, send
#: HSTS, and mark cookies secure. ``sendreg manage check --deploy`` expects it on.
SENDREG_HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SENDREG_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files are served by WhiteNoise straight from the installed package, so
# a newcomer never has to run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads waiting for the user to confirm an import; deleted once applied or cancelled,
# at logout, by clearsessions and when sendreg starts (see imports/uploads.py).
MEDIA_ROOT = private_dir(HOME / "files")
FILE_UPLOAD_PERMISSIONS = PRIVATE_FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = PRIVATE_DIR_MODE
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

#: Need types switched on beyond the standard census list (for example DS).
SENDREG_ENABLE_NEED_TYPES = env_list("ENABLE_NEED_TYPES")
#: The largest MIS export accepted, in megabytes.
SENDREG_IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50)
#: The largest specialist's report (PDF or DOCX) accepted, in megabytes.
SENDREG_REPORT_MAX_MB = env_int("REPORT_MAX_MB", 10)


def email_settings(url: str) -> dict[str, Any]:
    """Django's email settings from ``SENDREG_EMAIL_URL``.

    Empty (the default) or ``console://`` prints each email to the console.
    ``smtp://user:password@host:port`` sends through an SMTP server; ``smtp+tls://``
    uses STARTTLS (port 587 by default), ``smtps://`` TLS from the start (465). The user
    name and password may be percent-encoded.
    """
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    ports = {"smtp": 25, "smtp+tls": 587, "smtps": 465}
    if parts.scheme not in ports or not parts.hostname:
        raise ImproperlyConfigured(
            "SENDREG_EMAIL_URL must be console:// or an SMTP address such as "
            "smtp+tls://user:password@smtp.example.org:587 (smtp://, smtp+tls:// or smtps://)."
        )
    try:
        port = parts.port or ports[parts.scheme]
    except ValueError:
        raise ImproperlyConfigured("SENDREG_EMAIL_URL has a port that is not a number.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_TIMEOUT": 30,
    }


_EMAIL = email_settings(env_str("EMAIL_URL"))
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _EMAIL.get("EMAIL_TIMEOUT")
#: Who the weekly deadlines email comes from.
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "sendreg@localhost")
#: Where sendreg is served, for links in emails and calendar feeds (which have no request).
SENDREG_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _pounds(name: str, default: str) -> Decimal:
    text = env_str(name, default).strip().removeprefix("£").replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0:
        raise ImproperlyConfigured(
            f"SENDREG_{name} must be an amount in pounds above 0, such as 6000, not {text!r}."
        )
    return value


#: Costed provision a year (pounds) above which a pupil is a candidate for top-up funding;
#: each school may set its own on the provision map's settings page.
SENDREG_TOPUP_THRESHOLD = _pounds("TOPUP_THRESHOLD", "6000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- Security: HTTPS, headers, sessions, logins, two-factor (README "Security set-up") ---

#: Behind a reverse proxy that ends TLS: the proxy's address. ``sendreg serve`` then takes
#: the client's address and the scheme from its X-Forwarded-For and X-Forwarded-Proto.
SENDREG_TRUSTED_PROXY = env_str("TRUSTED_PROXY")
SECURE_SSL_REDIRECT = SENDREG_HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600 if SENDREG_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
#: Sent with every response by ``SecurityHeadersMiddleware``. No inline script or style
#: anywhere: htmx is a static file, and its indicator style is switched off in base.html.
SENDREG_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SENDREG_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
#: A session ends after this many minutes without a request, as well as after
#: SENDREG_SESSION_HOURS in all, and when the browser closes.
SENDREG_IDLE_MINUTES = env_int("IDLE_MINUTES", 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
#: Ask for a second factor (an authenticator app's code): required for the roles in
#: ``accounts.permissions.TWO_FACTOR_ROLES``, and for anyone who has set one up. Switch it off
#: only for development; ``check --deploy`` warns when it is off.
SENDREG_TWO_FACTOR = env_bool("TWO_FACTOR", True)
OTP_TOTP_ISSUER = "sendreg"
#: Failed logins that pause logging in: per account, and per network address (a school's
#: staff often share one address, so its limit is higher), within the window.
SENDREG_LOGIN_ACCOUNT_LIMIT = env_int("LOGIN_ACCOUNT_LIMIT", 5)
SENDREG_LOGIN_ADDRESS_LIMIT = env_int("LOGIN_ADDRESS_LIMIT", 30)
SENDREG_LOGIN_WINDOW_MINUTES = env_int("LOGIN_WINDOW_MINUTES", 15)
#: How many password hashes one process computes at once (each takes Argon2's memory).
SENDREG_HASH_CONCURRENCY = env_int("HASH_CONCURRENCY", 2)
#: A password reset link works for this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60
# Password reset emails go where SENDREG_EMAIL_URL says (the console by default), above.

# --- Retention and backups (README "Retention" and "Backups") ---

#: How long each kind of record is kept, counted from a date on the record. Schools check
#: these against their own records management policy: "verified" says whether a value was
#: checked against its source.
SENDREG_RETENTION = {
    "pupil_sen_file": {
        "label": "Pupil's SEN file",
        "from": "date_of_birth",
        "years": env_int("RETENTION_SEN_FILE_YEARS", 31),
        "source": "IRMS Information Management Toolkit for Schools: date of birth + 31 years",
        "verified": False,
    },
    "login_failures": {
        "label": "Failed logins",
        "from": "at",
        "years": env_int("RETENTION_LOGIN_FAILURE_YEARS", 1),
        "source": "sendreg's own choice: long enough to look back on an attack",
        "verified": True,
    },
}
#: The passphrase that encrypts `sendreg backup` files (use SENDREG_BACKUP_PASSPHRASE_FILE).
SENDREG_BACKUP_PASSPHRASE = env_str("BACKUP_PASSPHRASE")
