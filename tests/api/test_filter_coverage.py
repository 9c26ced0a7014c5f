"""One filter definition for admin and API: every filter an agent uses on the feedback list in the
admin is also a filter of the API (same name where the admin's is a model field), so a queue an
agent builds can be read by another system."""
import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter

from feedback_archive.api.filtersets import ApiFeedbackFilterSet
from feedback_archive.feedback.models import Feedback

# admin parameter → API filter, where the names differ
SAME_MEANING = {"duplicate": "is_duplicate", "sla": "sla_breached", "received_at": "received_after",
                "teams": "team", "status__exact": "status", "channel__id__exact": "channel",
                "assignee__id__exact": "assignee", "team__id__exact": "team"}
# about the person looking, not about the feedback: "mine" and "to verify by me" mean something
# only for a signed-in agent; an integration filters by assignee / status instead
PERSON_RELATIVE = {"owner", "verify"}


def _admin_parameters():
    model_admin = admin.site._registry[Feedback]
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            field = Feedback._meta.get_field(entry)
            yield f"{entry}__id__exact" if field.is_relation else (f"{entry}__exact" if field.choices else entry)
        elif isinstance(entry, type) and issubclass(entry, SimpleListFilter):
            yield entry.parameter_name


def test_every_admin_filter_is_an_api_filter():
    api = set(ApiFeedbackFilterSet.base_filters)
    missing = []
    for param in _admin_parameters():
        if param in PERSON_RELATIVE:
            continue
        if SAME_MEANING.get(param, param) not in api:
            missing.append(param)
    assert missing == [], f"admin filters without an API filter: {missing}"


@pytest.mark.django_db
def test_suggested_makes_label_filters_match_suggestions(api, make_feedback):
    from feedback_archive.classification.models import Suggestion
    from feedback_archive.taxonomy.models import Label

    fb = make_feedback("视频通话经常卡顿，声音断断续续")
    voice = Label.objects.get(dimension__code="module", code="voice")
    Suggestion.objects.update_or_create(feedback=fb, dimension=voice.dimension,
                                        defaults={"label": voice, "confidence": 0.8, "evidence": ["声音"]})
    plain = api.get("/api/v1/feedback/?module=voice").json()["results"]
    with_suggested = api.get("/api/v1/feedback/?module=voice&suggested=true").json()["results"]
    assert fb.pk not in [r["id"] for r in plain] and fb.pk in [r["id"] for r in with_suggested]
    assert api.get("/api/v1/feedback/?suggested=maybe").status_code == 400
    assert api.get("/api/v1/feedback/?proposed=true").status_code == 200
