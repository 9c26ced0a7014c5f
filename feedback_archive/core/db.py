"""Database helpers shared by services, selectors and paginators."""
from __future__ import annotations

import datetime
import json

from django.db import connection, connections


def estimated_rows(queryset) -> int | None:
    """The planner's row estimate for a queryset on PostgreSQL (None elsewhere or on failure).

    One EXPLAIN costs about a millisecond, where counting a quarter of a million full-text matches
    costs a hundred. Only used to decide that a result is *certainly* large (an estimate many times
    over a cap), never as a figure shown as exact."""
    qs = queryset.order_by()
    conn = connections[qs.db]
    if conn.vendor != "postgresql":
        return None
    try:
        sql, params = qs.values("pk").query.sql_with_params()
    except Exception:  # an empty queryset (EmptyResultSet) or one that cannot be compiled
        return None
    with conn.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def upsert_rows(model, columns: list[str], rows: list[tuple], *, unique: list[str], stamp: str) -> None:
    """INSERT … ON CONFLICT (unique) DO UPDATE SET the other columns — the statement
    `bulk_create(update_conflicts=True)` issues, without its per-object cost (a model instance,
    pre_save and adaptation of every value: about as much time as the database's own work) —
    and only where a value other than the `stamp` column (the time) changed: reclassifying
    everything after a taxonomy edit then rewrites the few rows that changed, not all of them.
    `rows` hold database values in `columns` order (JSON already dumped, datetimes adapted).
    PostgreSQL: one statement over UNNEST'ed typed arrays; SQLite: one prepared statement run per
    row (executemany, in C). Both understand this ON CONFLICT syntax; nothing else is supported."""
    if not rows:
        return
    meta, qn = model._meta, connection.ops.quote_name
    table = qn(meta.db_table)
    fields = [meta.get_field(name) for name in columns]
    names = ", ".join(qn(f.column) for f in fields)
    conflict = ", ".join(qn(meta.get_field(name).column) for name in unique)
    updated = [qn(f.column) for f in fields if f.name not in unique]
    watched = [qn(f.column) for f in fields if f.name not in unique and f.name != stamp]
    tail = (f"ON CONFLICT ({conflict}) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
            + " WHERE " + " OR ".join(f"{table}.{c} <> EXCLUDED.{c}" for c in watched))  # all NOT NULL
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}) {tail}",
                           [_pg_array(column) for column in zip(*rows)])
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}", rows)


def _pg_array(values) -> str | list:
    """A column as one PostgreSQL array literal ('{1,2}', '{"a","b"}'): the driver then quotes
    one string instead of adapting thousands of values one by one (10× less time). Columns of
    other types (or mixed, or with NULLs) are left to the driver."""
    kinds = set(map(type, values))
    if kinds <= {int, float}:
        return "{" + ",".join(map(repr, values)) + "}"  # repr: the float that reads back the same
    if kinds == {datetime.datetime}:
        values = [v.isoformat() for v in values]
    elif kinds != {str}:
        return list(values)
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
