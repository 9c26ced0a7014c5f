"""Every existing canonical/duplicate link becomes membership of a problem whose lead is the
canonical item (chains resolve to their root). Counts, dates and releases are computed from the
member rows the same way feedback/services/problems.py does; titles from the lead's text."""

from django.db import migrations
from django.db.models import Count, Max, Min, Q

TITLE_CHARS = 60


def _title(title, content, pk):
    text = " ".join((title or content or "").split())
    return (text[:TITLE_CHARS - 1] + "…") if len(text) > TITLE_CHARS else text or f"#{pk}"


def forwards(apps, schema_editor):
    Feedback = apps.get_model("feedback", "Feedback")
    Problem = apps.get_model("feedback", "Problem")
    links = dict(Feedback.objects.filter(canonical__isnull=False, problem__isnull=True)
                 .values_list("id", "canonical_id").iterator(chunk_size=5000))
    if not links:
        return

    def root(fid):
        seen = set()
        while fid in links and fid not in seen:
            seen.add(fid)
            fid = links[fid]
        return fid

    clusters: dict[int, list[int]] = {}
    for fid in links:
        clusters.setdefault(root(fid), []).append(fid)
    for lead_id, dup_ids in clusters.items():
        lead = Feedback.objects.filter(pk=lead_id).values("title", "content", "product_id").first()
        if lead is None:
            continue
        ids = [lead_id, *dup_ids]
        problem = Problem.objects.create(title=_title(lead["title"], lead["content"], lead_id), lead_id=lead_id,
                                         product_id=lead["product_id"])
        Feedback.objects.filter(pk__in=ids).update(problem=problem)
        Feedback.objects.filter(pk__in=dup_ids).update(canonical_id=lead_id, duplicate_count=0)
        members = Feedback.objects.filter(problem=problem)
        agg = members.aggregate(n=Count("id"), reporters=Count("reporter", distinct=True),
                                anonymous=Count("id", filter=Q(reporter__isnull=True)),
                                channels=Count("channel", distinct=True), first=Min("received_at"),
                                last=Max("received_at"))
        Feedback.objects.filter(pk=lead_id).update(canonical=None, duplicate_count=agg["n"] - 1)
        Problem.objects.filter(pk=problem.pk).update(
            member_count=agg["n"], reporter_count=agg["reporters"] + agg["anonymous"], channel_count=agg["channels"],
            first_seen_at=agg["first"], last_seen_at=agg["last"],
            first_release_id=members.exclude(release=None).order_by("release__version_key", "received_at")
            .values_list("release_id", flat=True).first())


class Migration(migrations.Migration):
    dependencies = [("feedback", "0013_problem_merge_terms_evidence")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
