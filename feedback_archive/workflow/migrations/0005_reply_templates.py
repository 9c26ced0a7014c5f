from django.db import migrations

# event, language, subject, text — placeholders: {number} {title} {release} {reason} {expectation}
# {canonical} {survey_url} {days}. Editable afterwards in the admin (回复模板); an edited template is
# never overwritten by this migration.
TEMPLATES = [
    ("received", "zh", "我们已收到您的反馈 #{number}",
     "您好，感谢您的反馈（#{number}：{title}）。我们已经收到，会尽快安排专人查看，有进展会第一时间告诉您。"),
    ("received", "en", "We have received your feedback #{number}",
     "Hello, thank you for your feedback (#{number}: {title}). We have received it and will have someone look at it soon; "
     "we will let you know as soon as there is progress."),
    ("in_progress", "zh", "您的反馈 #{number} 正在处理中",
     "您好，您反馈的问题（#{number}：{title}）已由负责的同事开始处理。我们可能会再联系您确认细节，处理完成后会通知您。"),
    ("in_progress", "en", "Your feedback #{number} is being handled",
     "Hello, a colleague is now working on the problem you reported (#{number}: {title}). We may contact you for details "
     "and will tell you when it is resolved."),
    ("fixed", "zh", "您反馈的问题已在 {release} 版本修复",
     "您好，您反馈的问题（#{number}：{title}）已在 {release} 版本中修复。升级到该版本或更新版本后即可生效；"
     "如果问题仍然存在，请直接回复我们。感谢您帮助我们改进产品！"),
    ("fixed", "en", "The problem you reported is fixed in {release}",
     "Hello, the problem you reported (#{number}: {title}) is fixed in version {release}. Please update to that version "
     "or later; if it still happens, just reply to this message. Thank you for helping us improve the product!"),
    ("not_now", "zh", "关于您的反馈 #{number}：暂时无法修复",
     "您好，感谢您的反馈（#{number}：{title}）。经过评估，这个问题暂时无法修复，原因是：{reason}。"
     "接下来：{expectation}。我们会保留这条记录，情况有变化时会再通知您。"),
    ("not_now", "en", "About your feedback #{number}: we cannot fix this now",
     "Hello, thank you for your feedback (#{number}: {title}). After review we cannot fix this for now, because: {reason}. "
     "What to expect: {expectation}. We keep the report on file and will tell you if that changes."),
    ("answered", "zh", "关于您的反馈 #{number} 的答复",
     "您好，关于您的反馈（#{number}：{title}），答复如下：\n\n{reason}\n\n如还有疑问，欢迎直接回复。"),
    ("answered", "en", "An answer to your feedback #{number}",
     "Hello, about your feedback (#{number}: {title}):\n\n{reason}\n\nIf you have further questions, just reply."),
    ("duplicate", "zh", "您的反馈 #{number} 与已知问题相同",
     "您好，您反馈的问题（#{number}：{title}）我们已经在跟进中（已知问题 #{canonical}）。"
     "它会和已知问题一起处理，修复后我们会通知您。"),
    ("duplicate", "en", "Your feedback #{number} matches a known issue",
     "Hello, the problem you reported (#{number}: {title}) is already known to us (issue #{canonical}). "
     "It is handled together with that issue and we will tell you when it is fixed."),
    ("other", "zh", "关于您的反馈 #{number}", "您好，关于您的反馈（#{number}：{title}）："),
    ("other", "en", "About your feedback #{number}", "Hello, about your feedback (#{number}: {title}):"),
    ("survey", "zh", "请为这次处理打个分",
     "您好，您的反馈（#{number}：{title}）已处理完毕。请花 10 秒钟为这次处理打分（1–5 分），"
     "链接 {days} 天内有效：\n{survey_url}"),
    ("survey", "en", "How did we do?",
     "Hello, your feedback (#{number}: {title}) has been handled. Please take ten seconds to rate how we did (1 to 5); "
     "the link is valid for {days} days:\n{survey_url}"),
]


def seed(apps, schema_editor):
    ReplyTemplate = apps.get_model("workflow", "ReplyTemplate")
    for event, language, subject, body in TEMPLATES:
        ReplyTemplate.objects.get_or_create(event=event, language=language, defaults={"subject": subject, "body": body})


def unseed(apps, schema_editor):
    apps.get_model("workflow", "ReplyTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0004_closing_the_loop")]
    operations = [migrations.RunPython(seed, unseed)]
