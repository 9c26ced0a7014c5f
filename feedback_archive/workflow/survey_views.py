"""The public satisfaction page (no login). Reporters are not users of the product, so the page
speaks the reporter's language from the survey (Chinese by default), with its texts here rather
than in the admin's translation catalogue; a tampered link answers 400, an expired one 410."""
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feedback_archive.core.exceptions import ApplicationError

from .satisfaction import LinkExpired, LinkTampered, link_days, survey_from_token
from .survey_responses import survey_submit

TEXTS = {
    "zh": {
        "lang": "zh-Hans", "title": "您对这次处理满意吗？", "about": "关于您的反馈 #{number}：{title}",
        "scale": {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"},
        "comment": "还想告诉我们什么？（选填）", "submit": "提交评价",
        "update": "您已评价过，可以修改：", "thanks": "谢谢您的评价！", "thanks_body": "我们会认真阅读每一条意见。",
        "pick": "请选择 1–5 分。",
        "tampered": "链接无效", "tampered_body": "这个链接不完整或已被修改。请直接打开我们发给您的原始链接。",
        "expired": "链接已过期", "expired_body": "评价链接的有效期为 {days} 天，现已失效。如仍有问题，欢迎再次反馈。",
    },
    "en": {
        "lang": "en", "title": "How did we handle your feedback?", "about": "About your feedback #{number}: {title}",
        "scale": {1: "Very unhappy", 2: "Unhappy", 3: "OK", 4: "Happy", 5: "Very happy"},
        "comment": "Anything else you want to tell us? (optional)", "submit": "Send rating",
        "update": "You have rated this already; you can change it:", "thanks": "Thank you for your rating!",
        "thanks_body": "We read every comment.", "pick": "Please choose 1 to 5.",
        "tampered": "This link is not valid", "tampered_body": "The link is incomplete or was changed. Please open the original link we sent you.",
        "expired": "This link has expired", "expired_body": "Rating links are valid for {days} days. If something is still wrong, please send us new feedback.",
    },
}


def _language_of_request(request) -> str:
    return "en" if (request.headers.get("Accept-Language") or "").lower().startswith("en") else "zh"


def _problem(request, kind: str, status: int):
    t = TEXTS[_language_of_request(request)]
    return render(request, "workflow/survey_problem.html", {
        "t": t, "heading": t[kind], "body": t[f"{kind}_body"].format(days=link_days())}, status=status)


# No CSRF token: there is no session to ride on — the signed link itself is the credential, and
# in-app web views that drop cookies would otherwise fail the form with a 403.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    try:
        current = survey_from_token(token)
    except LinkTampered:
        return _problem(request, "tampered", 400)
    except LinkExpired:
        return _problem(request, "expired", 410)
    t = TEXTS.get(current.language, TEXTS["zh"])
    error, status, done = "", 200, False
    if request.method == "POST":
        try:
            current = survey_submit(token=token, rating=request.POST.get("rating"), comment=request.POST.get("comment", ""))
            done = True
        except LinkExpired:  # expired between the page load and the tap
            return _problem(request, "expired", 410)
        except ApplicationError:
            error, status = t["pick"], 400
    feedback = current.feedback
    return render(request, "workflow/survey.html", {
        "t": t, "survey": current, "done": done, "error": error,
        "about": t["about"].format(number=feedback.pk, title=(feedback.title or feedback.content)[:60]),
        "choices": [(n, t["scale"][n]) for n in range(1, 6)],
        "selected": current.rating,
    }, status=status)
