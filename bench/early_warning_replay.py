#!/usr/bin/env python
"""Replay of the early warning (reports/alerts.py) over eight quiet weeks with planted spikes.

    .venv/bin/python bench/early_warning_replay.py --db sqlite:////tmp/fa_ew_replay.sqlite3

Background: --per-day reports a day (real review text from /work/shared/data as the content, with
synthetic times following a day/night profile) over --weeks weeks; --share-problems of them belong
to --problems recurring problems whose rates follow a long tail (Zipf, s = 1.1: a few problems get
a dozen reports a day, most get one a week), the rest are one-off reports. Planted on top: --spikes
incidents after the first week, half on new problems and half on existing background problems,
each 6–20 reports spread over 15–90 minutes.

The replay then runs `early_warning_run(now=T)` as the every-minute schedule would: at the first
minute boundary after every arrival (the trigger can only become true when a report arrives, so the
minutes in between cannot open an incident). It reports, per planted spike, whether it was alerted,
the delay from its first report and from the report that made it alertable, and how many alerts it
got (must be one); and the alerts outside any spike (false alerts) per week.

The database is emptied of feedback, problems and incidents first: use a scratch database.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

DATA = Path("/work/shared/data")
# share of the day's reports per hour (Asia/Shanghai): quiet at night, busy from 9 to 23
HOURLY = [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4, 4, 3.5, 3.5, 4, 4, 4, 3.8, 3.5, 3.8, 4, 3.5, 2.8, 1.8]


def texts() -> list[str]:
    out = []
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        path = DATA / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                out += [row["review"].strip() for row in csv.DictReader(fh) if row.get("review", "").strip()]
    if not out:
        raise SystemExit(f"no review text under {DATA}")
    return out


def random_time(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    day = rng.randrange(days)
    hour = rng.choices(range(24), weights=HOURLY)[0]
    return start + dt.timedelta(days=day, hours=hour, seconds=rng.randrange(3600))


def build(args, rng: random.Random):
    from zoneinfo import ZoneInfo

    from django.db import connection

    from feedback_archive.feedback.models import Channel, Feedback, Problem
    from feedback_archive.reports.models import ProblemIncident
    from feedback_archive.workflow.models import AlertDelivery

    with connection.cursor():
        pass
    AlertDelivery.objects.all().delete()
    ProblemIncident.objects.all().delete()
    Feedback.objects.update(problem=None, canonical=None)
    Feedback.objects.all().delete()
    Problem.objects.all().delete()
    channel = Channel.objects.get(slug="in_app")
    pool = texts()
    start = dt.datetime(2026, 9, 7, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
    days = args.weeks * 7
    problems = Problem.objects.bulk_create(
        [Problem(title=f"背景问题 {i}") for i in range(args.problems)] +
        [Problem(title=f"突发问题 {i}") for i in range(args.spikes)])
    background, spiky = problems[:args.problems], problems[args.problems:]
    weights = [1 / (k + 1) ** 1.1 for k in range(args.problems)]
    total = args.per_day * days
    rows = []
    for _ in range(total):
        problem = rng.choices(background, weights=weights)[0] if rng.random() < args.share_problems else None
        rows.append((random_time(rng, start, days), problem))
    # planted incidents after the first week (so every problem has some baseline), at least 2 days apart
    spikes = []
    slots = sorted(rng.sample(range(7 * 24 + 12, days * 24 - 24, 48), args.spikes))
    for i, hour in enumerate(slots):
        on_existing = i % 2 == 1
        problem = background[rng.randrange(5, 60)] if on_existing else spiky[i]
        first = start + dt.timedelta(hours=hour, minutes=rng.randrange(60))
        n, spread = rng.randint(6, 20), rng.randint(15, 90)
        times = sorted([first] + [first + dt.timedelta(minutes=rng.uniform(0, spread)) for _ in range(n - 1)])
        spikes.append({"problem": problem.pk, "existing": on_existing, "first": times[0], "last": times[-1],
                       "times": times, "n": n})
        rows += [(t, problem) for t in times]
    rows.sort(key=lambda r: r[0])
    Feedback.objects.bulk_create(
        [Feedback(channel=channel, content=rng.choice(pool)[:500], received_at=t, problem=p) for t, p in rows],
        batch_size=2000)
    return start, days, spikes, [t for t, _p in rows]


def replay(args):
    from django.test.utils import override_settings

    from feedback_archive.reports import alerts
    from feedback_archive.reports.models import ProblemIncident

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    start, days, spikes, arrivals = build(args, rng)
    built = time.perf_counter() - t0
    minutes = sorted({(t.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)) for t in arrivals})
    t0 = time.perf_counter()
    with override_settings(REPORTS_ALERT_COUNT=args.count):
        for now in minutes:
            alerts.early_warning_run(now=now)
    elapsed = time.perf_counter() - t0
    incidents = list(ProblemIncident.objects.order_by("opened_at").values("key", "problem_id", "opened_at", "count", "rule"))
    results, matched = [], set()
    for s in spikes:
        hits = [i for i in incidents if i["problem_id"] == s["problem"] and
                s["first"] <= i["opened_at"] <= s["last"] + dt.timedelta(hours=2)]
        matched.update(id(i) for i in hits)
        row = {"existing_problem": s["existing"], "reports": s["n"],
               "spread_min": round((s["last"] - s["first"]).total_seconds() / 60), "alerts": len(hits)}
        if hits:
            at = hits[0]["opened_at"]
            arrived = [t for t in s["times"] if t <= at]
            row.update({"delay_from_first_min": round((at - s["first"]).total_seconds() / 60, 1),
                        "delay_from_trigger_min": round((at - arrived[-1]).total_seconds() / 60, 1),
                        "reports_at_alert": len(arrived), "rule": hits[0]["rule"]})
        results.append(row)
    false = [i for i in incidents if id(i) not in matched]
    detected = [r for r in results if r["alerts"]]
    delays = sorted(r["delay_from_first_min"] for r in detected)
    summary = {
        "weeks": args.weeks, "reports": len(arrivals), "background_problems": args.problems, "spikes": len(spikes),
        "count_setting": args.count,
        "detected": len(detected), "one_alert_each": all(r["alerts"] == 1 for r in detected),
        "delay_from_first_report_min": {"median": delays[len(delays) // 2] if delays else None,
                                        "max": delays[-1] if delays else None},
        "delay_after_trigger_max_min": max((r["delay_from_trigger_min"] for r in detected), default=None),
        "false_alerts": len(false), "false_alerts_per_week": round(len(false) / args.weeks, 2),
        "false_alert_counts": [i["count"] for i in false],
        "evaluations": len(minutes), "evaluation_ms_mean": round(elapsed / max(len(minutes), 1) * 1000, 2),
        "build_s": round(built, 1),
    }
    return summary, results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite:////tmp/fa_ew_replay.sqlite3")
    ap.add_argument("--weeks", type=int, default=8)
    ap.add_argument("--per-day", type=int, default=150)
    ap.add_argument("--problems", type=int, default=400)
    ap.add_argument("--share-problems", type=float, default=0.7)
    ap.add_argument("--spikes", type=int, default=12)
    ap.add_argument("--count", type=int, default=5, help="REPORTS_ALERT_COUNT for the replay")
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    setup(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    summary, rows = replay(args)
    if args.json:
        print(json.dumps({"summary": summary, "spikes": rows}, ensure_ascii=False, default=str, indent=1))
        return
    for r in rows:
        print(r)
    for k, v in summary.items():
        print(f"{k}: {v}")
    if not math.isfinite(summary["false_alerts_per_week"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
