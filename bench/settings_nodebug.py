"""The dev settings with DEBUG off, for the HTTP benchmark: DEBUG=True keeps every SQL query of a
request in memory, which is not what production pays."""
from config.settings.dev import *  # noqa: F403

DEBUG = False
