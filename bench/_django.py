"""Shared set-up for the bench scripts: point Django at the database given on the command line
(never the default db.sqlite3) before anything imports the models."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def setup(db_url: str, settings: str = "config.settings.dev") -> None:
    if not db_url:
        raise SystemExit("--db is required (e.g. postgres://postgres@127.0.0.1:5432/fa_bench or sqlite:////tmp/fa_bench.sqlite3)")
    if db_url.startswith("sqlite") and db_url.rstrip("/").endswith("db.sqlite3"):
        raise SystemExit("refusing to touch the default db.sqlite3; use a file under /tmp")
    os.environ["DATABASE_URL"] = db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ.setdefault("API_THROTTLE_RATE", "10000000/min")  # the bench measures speed, not the throttle
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load_avg() -> list[float]:
    return list(os.getloadavg())


def machine() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "mem_gb": round(mem_kb / 1024 / 1024, 1), "loadavg": load_avg()}
