"""Users in Hong Kong and Taiwan write Traditional Chinese (and their own words for the same
things); the archive segments everything as Simplified so search and duplicates work across both."""
import pytest

from feedback_archive.core.segmenter import search_tokens, to_simplified
from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db


def test_traditional_text_is_read_as_simplified():
    assert to_simplified("更新後一直閃退，根本無法使用") == "更新后一直闪退，根本无法使用"
    # Taiwan words for the same things become the words our keywords use
    assert to_simplified("視訊通話一直斷線，軟體更新後更嚴重") == "视频通话一直断线，软件更新后更严重"
    assert to_simplified("登入時一直當機") == "登录时一直死机"
    # Simplified, English and empty text are left exactly as they are (档案 stays: it is a word here too)
    for text in ["群文件档案传输太慢了", "The app keeps crashing on Android 14", "", "👍👍"]:
        assert to_simplified(text) == text


def test_search_finds_across_scripts(make_feedback):
    traditional = make_feedback("群組檔案傳輸太慢了，語音訊息也發不出去")
    simplified = make_feedback("群文件传输太慢了，传个视频要十分钟")
    assert "闪退" in search_tokens("更新後一直閃退")
    found = set(Feedback.objects.search("文件传输").values_list("pk", flat=True))
    assert found == {traditional.pk, simplified.pk}
    assert set(Feedback.objects.search("語音消息").values_list("pk", flat=True)) == {traditional.pk}
