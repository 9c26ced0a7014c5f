"""The seed training set shipped with the product: a new installation learns before its agents
confirmed anything, and confirmed labels join the seed."""
import json

from feedback_archive.classification import services
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_set_labels

# sentences written for this test (not rows of the real set)
SEED = [("群里发的语音条点了没声音", "voice"), ("语音通话对方听不到我说话", "voice"), ("打电话有回声很严重", "voice"),
        ("视频会议共享屏幕是黑的", "video"), ("摄像头打开后画面是反的", "video"), ("视频通话画面一直糊", "video"),
        ("群文件下载到一半失败", "file"), ("上传附件提示失败", "file"), ("图片原图发不出去", "file"),
        ("登录验证码一直收不到", "other"), ("安装包装不上", "other"), ("输入法切换不了中文", "other")] * 2


def test_training_with_no_confirmed_labels_learns_from_the_seed(settings, tmp_path, make_feedback, agent):
    path = tmp_path / "seed.jsonl"
    path.write_text("".join(json.dumps({"id": f"s{i}", "text": t, "labels": {"module": lab}}, ensure_ascii=False) + "\n"
                            for i, (t, lab) in enumerate(SEED)), encoding="utf-8")
    settings.CLASSIFICATION_SEED_PATH = path
    rows = services.classifier_train(actor=Actor.system(), min_examples=10)
    assert [r.dimension.code for r in rows] == ["module"]
    assert rows[0].metrics["seed"] == len(SEED) and rows[0].metrics["confirmed"] == 0

    fb = make_feedback(content="星火会议里共享屏幕是黑的")
    feedback_set_labels(feedback=fb, labels={"module": "video"}, actor=Actor.for_user(agent))
    rows = services.classifier_train(actor=Actor.system(), min_examples=10)
    assert rows[0].metrics["confirmed"] == 1 and rows[0].trained_on == len(SEED) + 1

    settings.CLASSIFICATION_SEED_PATH = ""   # an operator may switch the seed off
    assert services.seed_rows() == []
