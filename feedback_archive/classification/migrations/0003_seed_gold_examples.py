"""Seed the gold set: every positive example of the standard taxonomy, plus tricky items written
for teaching the boundaries (look-alike words, negation, 'where it happened' vs 'what failed').
The tricky items are frozen here on purpose: a migration must not change when code changes."""
from django.db import migrations

TRICKY = [
    # (text, dimension, label, explanation)
    ("群聊里别人发的语音消息点开没有声音", "module", "voice",
     "看失效的是哪项能力：语音消息放不出声音是语音能力的问题，发生在群里不等于群组问题。"),
    ("在群里上传一个 30MB 的设计稿，进度条走到一半就失败了", "module", "file",
     "群里发文件失败属于文件传输；群组只管建群、成员、公告、@ 等群专属能力。"),
    ("视频会议里对方一直听到我这边的回声", "module", "voice",
     "会议中的声音问题（回声、杂音、听不到）归语音，因为失效的是音频能力。"),
    ("开会共享屏幕时对方看到的是黑屏", "module", "video",
     "屏幕共享与黑屏是画面能力，归视频。"),
    ("@所有人之后群里一半的人都没有收到提醒", "module", "group",
     "@所有人是群专属能力，归群组；如果是普通文字消息收不到才归消息。"),
    ("发出去的表情包在对方那边显示成一个方块", "module", "message",
     "表情和表情包属于消息能力，不是文件传输。"),
    ("AI 助手总结会议纪要经常漏掉关键结论", "module", "other",
     "对话式 AI（AI 总结、AI 助手）归其他，除非它是某项能力的一部分（如通话 AI 降噪 → 语音）。"),
    ("通话时开了 AI 降噪，结果我自己的声音也被吃掉一半", "module", "voice",
     "嵌在通话里的 AI 降噪按所属能力归类，归语音。"),
    ("名片卡片的样式能不能做得好看一点", "type", "experience",
     "“卡片”不是“卡顿”：这是对界面样式的意见，能力存在、速度正常，归体验。"),
    ("双卡手机切换到副卡后收不到验证码短信", "type", "function",
     "“双卡”的“卡”不是卡顿；收不到验证码是功能失效，归功能。"),
    ("消息能发出去，但对方要过半分钟才收到", "type", "performance",
     "消息“晚到”是性能，消息“收不到”才是功能。"),
    ("消息一直转圈，最后显示发送失败，对方没收到", "type", "function",
     "最终没有送达，是功能失效而不是变慢，归功能。"),
    ("打开聊天窗口直接闪退，重启好几次都一样", "type", "function",
     "闪退/崩溃归功能（功能失效了，而不是变慢了）。"),
    ("早上九点高峰期老是连不上会议，十点以后就正常了", "type", "performance",
     "高峰期连不上属于稳定性与容量问题，统一归性能。"),
    ("现在视频通话一点都不卡了，画面也很清楚", "type", "performance",
     "否定的“不卡”不是故障；这是对流畅度的表扬，类型按夸的对象归性能。"),
    ("设置里找了半天才找到消息免打扰在哪，藏得太深了", "type", "experience",
     "能力存在、能用，只是入口难找，归体验。"),
    ("我开了免打扰，所以一直以为收不到消息，客服帮我关掉就好了", "type", "consultation",
     "经核实是用户设置导致的误报，归咨询。"),
    ("语音消息不能暂停，听到一半被打断只能从头再听", "type", "function",
     "缺少某项能力（不能暂停）归功能，不是体验。"),
    ("升级 5.3.1 之后在弱网下通话容易掉线", "scope", "release",
     "版本线索与场景线索同时出现时，按“特定版本 > 特定场景 > 个别用户”选特定版本。"),
    ("只有连蓝牙耳机的时候对方听不到我说话，用手机麦克风就正常", "scope", "scenario",
     "只在特定外设（蓝牙耳机）条件下出现，与版本无关，归特定场景。"),
    ("同事都好好的，就我这个账号收不到群消息", "scope", "individual",
     "只有本人账号有问题、同事都正常，归个别用户。"),
    ("五百人以上的大群里发消息会延迟很久", "scope", "scenario",
     "只在大群条件下出现，归特定场景。"),
    ("手机锁屏放在后台时收不到消息推送，亮着屏就正常", "scope", "scenario",
     "只在后台锁屏条件下出现，换个条件就正常，归特定场景。"),
    ("新版本的聊天记录搜索搜不到上个月的消息", "scope", "release",
     "“新版本”是版本线索，归特定版本。"),
    ("换了新手机登录后，之前三年的聊天记录全没了", "severity", "critical",
     "聊天记录丢失命中红线，直接定为致命。"),
    ("偶尔发图片失败，重发一次就好了", "severity", "normal",
     "偶发、重试即可恢复，有替代方案，归一般。"),
    ("设置页面“通知”写成了“通之”", "severity", "minor",
     "错别字不影响功能使用，归轻微。"),
    ("每次开会十分钟左右就掉线，整个部门的周会都开不下去", "severity", "major",
     "核心功能（会议）频繁失效、明显影响工作，但没有数据损失或全面瘫痪，归严重。"),
    ("群里的私密文件没加权限，外部成员也能直接下载", "severity", "critical",
     "文件权限失控属于安全与隐私泄露，命中红线，归致命。"),
    ("气死了！！！表情包的颜色有点偏暗", "severity", "minor",
     "切勿因情绪激烈而拔高：外观问题不影响功能，仍是轻微。"),
    ("请问你们到底什么时候修？都一个月了！", "intent", "complaint",
     "带问号的不满、反问式质问，归投诉而不是咨询。"),
    ("能不能加一个定时发送的功能", "intent", "suggestion",
     "“能不能加……”是提出新需求，归建议。"),
    ("能不能告诉我怎么设置定时发送", "intent", "question",
     "真诚地询问现有功能怎么用，归咨询。"),
    ("先夸一句很好用，不过群文件下载太慢了，每次都要等好几分钟", "intent", "complaint",
     "先客套再抱怨，重点在问题上，归投诉。"),
    ("这个功能太难用了，建议把按钮放到输入框上方", "intent", "suggestion",
     "以提出方案为落点，归建议。"),
    ("新版通话清楚多了，感谢团队！要是能再省点电就更好了", "intent", "praise",
     "以肯定为主、顺带一句轻微意见，归表扬。"),
    ("The app keeps crashing whenever I open a group chat", "type", "function",
     "English reviews follow the same standard: a crash is Function."),
    ("Love the new update, calls are so much smoother now!", "intent", "praise",
     "Positive evaluation and thanks: Praise."),
]


def seed(apps, schema_editor):
    # the standard's examples as taxonomy 0002 loaded them (never an import of live code)
    Label = apps.get_model("taxonomy", "Label")
    GoldExample = apps.get_model("classification", "GoldExample")
    labels = {(lab.dimension.code, lab.code): lab
              for lab in Label.objects.select_related("dimension").order_by("dimension__order", "order", "code")}
    rows = []
    for (dcode, lcode), lab in labels.items():
        for text in (line.strip() for line in lab.positive_examples.splitlines()):
            if text:
                rows.append((text, dcode, lcode, "", "standard"))
    rows += [(t, d, lc, why, "tricky") for t, d, lc, why in TRICKY]
    for text, dcode, lcode, why, source in rows:
        label = labels.get((dcode, lcode))
        if label is None:  # a deployment that removed this label: skip, never invent one
            continue
        GoldExample.objects.get_or_create(
            dimension=label.dimension, text=text,
            defaults={"label": label, "explanation": why or label.definition, "source": source},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("classification", "0002_runs_models_gold_quiz"),
        ("taxonomy", "0002_standard_taxonomy"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
