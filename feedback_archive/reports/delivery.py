from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from feedback_archive.core.models import Team

from .models import ReportSnapshot

TITLES = {"weekly": "反馈周报", "monthly": "反馈月报", "release": "版本反馈报告"}


def report_email_leads(*, snapshot: ReportSnapshot) -> int:
    """An HTML summary of a stored report to every team lead with an email address."""
    recipients = sorted({t.lead.email for t in Team.objects.select_related("lead") if t.lead and t.lead.email})
    if not recipients:
        return 0
    path = {"weekly": "admin:reports_weekly", "monthly": "admin:reports_monthly"}.get(snapshot.kind, "admin:reports_release")
    query = {"weekly": f"?week={snapshot.period}", "monthly": f"?month={snapshot.period}"}.get(snapshot.kind, f"?id={snapshot.period}")
    link = f"{settings.SITE_URL.rstrip('/')}{reverse(path)}{query}"
    name = snapshot.period
    if snapshot.kind == "release":  # named by product and version, not by its id
        rel = snapshot.data.get("release", {})
        name = f"{snapshot.data.get('product', '')} {rel.get('version', snapshot.period)}".strip()
    context = {"data": snapshot.data, "kind": snapshot.kind, "period": snapshot.period, "link": link,
               "title": f"{TITLES.get(snapshot.kind, '报告')} {name}"}
    html = render_to_string("reports/email.html", context)
    text = render_to_string("reports/email.txt", context)
    message = EmailMultiAlternatives(subject=f"[反馈归档] {context['title']}", body=text, to=recipients)
    message.attach_alternative(html, "text/html")
    message.send()
    return len(recipients)
