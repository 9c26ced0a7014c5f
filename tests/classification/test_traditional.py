"""Feedback from Hong Kong and Taiwan users, written in Traditional Chinese with their own words,
gets the same suggestions as the Simplified text."""
import pytest

from tests.classification.test_pipeline import label, run


@pytest.mark.parametrize("traditional, simplified", [
    ("更新後一直閃退，根本無法使用", "更新后一直闪退，根本无法使用"),
    ("視訊通話一直斷線，對方聽不到我的聲音", "视频通话一直断线，对方听不到我的声音"),
    ("群組檔案傳輸太慢了，一個檔案傳了十分鐘", "群组文件传输太慢了，一个文件传了十分钟"),
    ("希望能增加訊息撤回的時間", "希望能增加消息撤回的时间"),
])
def test_traditional_is_classified_like_simplified(traditional, simplified):
    got, want = run(traditional), run(simplified)
    for dim in ("type", "severity", "module", "intent"):
        assert label(got, dim) == label(want, dim), dim
    assert got["sentiment"]["polarity"] == pytest.approx(want["sentiment"]["polarity"])


def test_traditional_crash_report_is_critical_or_major():
    res = run("App Store評論：更新後一直閃退，根本無法使用")
    assert label(res, "severity") in {"critical", "major"}
    assert res["sentiment"]["polarity"] < 0
