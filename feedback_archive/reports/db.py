"""How the report statements run on PostgreSQL."""
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def report_statements():
    """PostgreSQL: the report's statements without JIT compilation. Their cost estimates (IN lists of
    a release's problem ids, conditional aggregates over eight weeks) pass `jit_above_cost`, and
    compiling took 300–400 ms per statement at 100k rows — longer than running them (measured with
    EXPLAIN ANALYZE, docs/reports.md). SET LOCAL needs a transaction and ends with it."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
