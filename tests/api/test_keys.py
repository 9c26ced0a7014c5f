import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from feedback_archive.api.models import ApiKey, hash_key
from feedback_archive.api.services import api_key_issue, api_key_rotate

pytestmark = pytest.mark.django_db


def client_for(raw):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return c


def test_issue_command_prints_the_key_once_and_stores_only_a_hash(capsys):
    call_command("issue_api_key", "crm-sync", "--scope", "read")
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.get(name="crm-sync")
    assert raw.startswith("fa_") and key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert client_for(raw).get("/api/v1/feedback/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_expired_and_rotated_keys_are_refused_at_once():
    key, raw = api_key_issue(name="old", scope="read", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client_for(raw).get("/api/v1/feedback/").status_code == 401
    key2, raw2 = api_key_issue(name="app-store-sync", scope="ingest", channel="app_store")
    new, new_raw = api_key_rotate(key=key2)
    assert new.scope == "ingest" and new.channel.slug == "app_store"
    assert client_for(raw2).post("/api/v1/feedback/", {"channel": "app_store", "content": "闪退"}, format="json").status_code == 401
    assert client_for(new_raw).post("/api/v1/feedback/", {"channel": "app_store", "content": "闪退"}, format="json").status_code == 201


def test_per_key_throttle_gives_429_with_retry_after():
    _key, raw = api_key_issue(name="chatty", scope="read", throttle_rate="3/min")
    c = client_for(raw)
    codes = [c.get("/api/v1/taxonomy/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/api/v1/taxonomy/")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    _other, raw_other = api_key_issue(name="quiet", scope="read")
    assert client_for(raw_other).get("/api/v1/taxonomy/").status_code == 200  # other keys unaffected


def test_bad_rate_is_refused():
    from feedback_archive.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        api_key_issue(name="x", scope="read", throttle_rate="lots")


@pytest.mark.parametrize("rate", ["fast", "10/fortnight", "0/s", "-5/min", "10/", "1e3/s"])
def test_throttle_rate_is_validated_by_the_model_on_every_form(rate, admin_client):
    from django.core.exceptions import ValidationError

    key, _raw = api_key_issue(name="crm", scope="read")
    key.throttle_rate = rate
    with pytest.raises(ValidationError):
        key.full_clean()
    # the admin's change form (not only the add form) refuses it, with the field's message
    r = admin_client.post(f"/admin/api/apikey/{key.pk}/change/", {"throttle_rate": rate, "expires_at_0": "", "expires_at_1": ""})
    assert r.status_code == 200 and "throttle_rate" in r.context["adminform"].form.errors
    key.refresh_from_db()
    assert key.throttle_rate == ""


def test_a_stored_bad_rate_falls_back_to_the_default_and_logs(caplog):
    key, raw = api_key_issue(name="legacy", scope="read")
    ApiKey.objects.filter(pk=key.pk).update(throttle_rate="fast")  # written before the validator existed
    with caplog.at_level("WARNING"):
        assert client_for(raw).get("/api/v1/taxonomy/").status_code == 200
    assert "invalid rate limit" in caplog.text


def test_rotating_a_key_with_a_name_at_the_column_limit():
    key, _raw = api_key_issue(name="企" * 100, scope="ingest")
    new, _ = api_key_rotate(key=key)
    assert len(new.name) == 100 and new.name.endswith("~2")
    newer, _ = api_key_rotate(key=new)
    assert len(newer.name) == 100 and newer.name.endswith("~3") and newer.name.startswith("企" * 90)


def test_rotating_keeps_a_readable_suffix_and_skips_taken_names():
    key, _ = api_key_issue(name="crm-sync", scope="read")
    api_key_issue(name="crm-sync~2", scope="read")
    new, _ = api_key_rotate(key=key)
    assert new.name == "crm-sync~3"


@pytest.mark.parametrize("name", ["", "k" * 101, "a\u0000b"])
def test_issue_refuses_names_the_column_cannot_hold(name):
    from feedback_archive.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        api_key_issue(name=name, scope="read")
