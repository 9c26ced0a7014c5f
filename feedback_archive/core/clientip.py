"""Who is on the other end of a request, and when their logins lock.

Behind a TLS proxy every request arrives from the proxy's address, so REMOTE_ADDR alone makes
one lockout bucket for everyone: five wrong passwords by one person lock that username for all.
The real client is read from X-Forwarded-For — but only the hops our own proxies appended are
believed, because anything further left is whatever the client chose to send.

Two settings say which hops are ours (docs/security.md):
- TRUSTED_PROXY_COUNT = n: exactly n proxies in front of us, each appending the address it saw;
  the client is the n-th entry from the right.
- TRUSTED_PROXIES = addresses/networks of our proxies: entries are skipped from the right while
  they are one of ours; the first one that is not is the client. REMOTE_ADDR must itself be one of
  ours, or the header is ignored.
With neither (the default), X-Forwarded-For is ignored and REMOTE_ADDR is the client."""
from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

log = logging.getLogger(__name__)


def _ip(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _networks():
    nets = []
    for item in settings.TRUSTED_PROXIES or []:
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            log.error("TRUSTED_PROXIES: %r is not an address or network; ignored", item)
    return nets


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in header.split(",") if h.strip()]
    nets = _networks()
    if nets:
        def ours(addr):
            ip = _ip(addr)
            return ip is not None and any(ip in n for n in nets)

        if not remote or not ours(remote):
            return remote  # not through our proxy: its header means nothing
        for hop in reversed(hops):
            if not ours(hop):
                return hop if _ip(hop) else remote
        return hops[0] if hops and _ip(hops[0]) else remote
    count = int(settings.TRUSTED_PROXY_COUNT or 0)
    if count > 0 and len(hops) >= count:
        candidate = hops[-count]
        if _ip(candidate):
            return candidate
    return remote


def lockout_parameters(request_or_attempt, credentials=None):
    """django-axes' AXES_LOCKOUT_PARAMETERS as a callable. Normally a username is locked per client
    address (AXES_FAILURE_LIMIT failures from one address), so one person's typos do not lock the
    others out; once the username has LOGIN_USERNAME_FAILURE_LIMIT failures from all addresses
    together within the cool-off, it is locked alone — a slow guess spread over many addresses."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    per_address = [["username", "ip_address"]]
    if isinstance(request_or_attempt, AccessAttempt):
        username = request_or_attempt.username
    else:
        username = get_client_username(request_or_attempt, credentials)
    if not username:
        return per_address
    attempts = AccessAttempt.objects.filter(username=username)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    total = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    if total >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return ["username"]
    return per_address
