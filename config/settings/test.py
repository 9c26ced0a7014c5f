from .base import *  # noqa: F403
from .base import DATABASES, Q_CLUSTER, SECRET_KEY

SECRET_KEY = SECRET_KEY or "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Jobs run inline in unit tests; tests/test_worker.py drives a real qcluster separately.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"].get("TEST", {}).get("NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory, unless a test asks for a file
ALLOWED_HOSTS = ["*"]
