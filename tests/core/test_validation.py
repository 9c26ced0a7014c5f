"""core.validation: what PostgreSQL refuses is named before it is asked to store it."""

import pytest

from feedback_archive.core.validation import json_error, max_length, text_error
from feedback_archive.feedback.models import Feedback


@pytest.mark.parametrize("text", ["群里发消息对方收不到", "Screen share is black 🖥️", "", "第一行\n第二行\t制表"])
def test_ordinary_text_passes(text):
    assert text_error(text) is None


@pytest.mark.parametrize("text, word", [("消息\x00发不出去", "NUL"), ("表情\ud800乱码", "surrogate")])
def test_nul_and_lone_surrogates_are_named(text, word):
    assert word in text_error(text)


def test_json_keys_values_and_depth_are_checked_without_recursion():
    assert json_error({"设备": "iPhone 15", "tags": ["卡顿", 3, None, True]}) is None
    assert "NUL" in json_error({"note": ["ok", {"deep": "a\x00b"}]})
    assert "key" in json_error({"bad\ud800key": 1})
    deep = node = {}
    for _ in range(5000):  # far past Python's recursion limit: the check is iterative
        node["k"] = {}
        node = node["k"]
    assert "deeper" in json_error(deep)
    assert json_error([[["三层"]]], max_depth=3) is None
    assert json_error([[["三层"]]], max_depth=2) is not None


def test_max_length_is_the_models_own_limit():
    assert max_length(Feedback, "app_version") == Feedback._meta.get_field("app_version").max_length
