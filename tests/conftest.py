import pytest
from rest_framework.test import APIClient

from feedback_archive.api.services import api_key_issue
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_create


@pytest.fixture
def importer():
    return Actor.system("import")


def _with_role(user, role):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(django_user_model):
    return _with_role(django_user_model.objects.create_user("zhangwei", password="pw", is_staff=True, first_name="张伟"), "分诊员")


@pytest.fixture
def verifier(django_user_model):
    return _with_role(django_user_model.objects.create_user("lina", password="pw", is_staff=True, first_name="李娜"), "分诊员")


@pytest.fixture
def make_user(django_user_model):
    def make(username, role=None, **kwargs):
        user = django_user_model.objects.create_user(username, password="pw", is_staff=True, **kwargs)
        return _with_role(user, role) if role else user

    return make


@pytest.fixture
def make_feedback(db, importer, request):
    counter = {"n": 0}
    # a test module that drives a later stage itself (problem matching) sets UNDERSTAND_UP_TO
    default_stage = getattr(request.module, "UNDERSTAND_UP_TO", "match")

    def make(content="视频通话时画面经常卡顿，对方说我的声音断断续续", **kwargs):
        counter["n"] += 1
        kwargs.setdefault("channel", "in_app")
        kwargs.setdefault("external_id", f"test-{counter['n']}")
        understand = kwargs.pop("understand", default_stage)
        kwargs.pop("classify", None)  # older name: classification now runs only in the full pipeline
        feedback, created = feedback_create(content=content, actor=kwargs.pop("actor", importer), **kwargs)
        if created and understand:
            # The pipeline's stages the tests' items need: by default those intake used to run in
            # the request (reporter, release, search tokens, duplicate links); understand="all"
            # runs every stage, understand=None none (a freshly received item).
            from feedback_archive.intake.pipeline import pipeline_run

            pipeline_run(feedback_ids=[feedback.pk], stop_after=None if understand == "all" else understand)
            feedback.refresh_from_db()
        return feedback

    return make


@pytest.fixture
def api_key(db):
    def issue(scope="write", channel=None, name=None):
        key, raw = api_key_issue(name=name or f"{scope}-key-{channel or 'any'}", scope=scope, channel=channel)
        return raw

    return issue


@pytest.fixture
def api(api_key):
    """An API client holding a write-scope key; api.as_(scope) gives one with another scope."""

    def client_for(scope="write", **kw):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(scope, **kw)}")
        return client

    client = client_for("write", name="integration")
    client.as_ = client_for
    return client


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level assertions read English reasons; pages and the API still default to
    Chinese per request (LocaleMiddleware), which the browser test checks."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; key ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


# --- slow markers --------------------------------------------------------------------------------
# A plain `pytest` while working in one room skips the tests that start a real qcluster or a real
# browser (they take half the run); `make test` and CI set FA_ALL_TESTS=1 and run everything.
_SLOW_MARKERS = ("worker", "browser")


def pytest_collection_modifyitems(config, items):
    import os

    if os.environ.get("FA_ALL_TESTS") == "1" or config.getoption("-m"):
        return
    skip = pytest.mark.skip(reason="worker/browser test: run with `make test` or FA_ALL_TESTS=1")
    skipped = 0
    for item in items:
        if any(m in item.keywords for m in _SLOW_MARKERS):
            item.add_marker(skip)
            skipped += 1
    config._fa_slow_skipped = skipped


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, "_fa_slow_skipped", 0):
        terminalreporter.write_line(
            f"{config._fa_slow_skipped} worker/browser tests skipped locally; `make test` (or FA_ALL_TESTS=1) runs them."
        )
