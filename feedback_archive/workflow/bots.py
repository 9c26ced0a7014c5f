"""Group-bot webhooks Chinese teams read alerts in: Feishu/Lark, DingTalk and WeCom (企业微信).

Only the wire formats live here (message body, signing, what counts as success); which message goes
to which bot, and the retries, belong to the team alert outbox (workflow/alerts.py). Formats, as each
vendor documents its custom group bot:

- **Feishu / Lark** (自定义机器人): POST JSON ``{"msg_type": "text", "content": {"text": …}}`` to
  ``https://open.feishu.cn/open-apis/bot/v2/hook/<token>``. With 签名校验 on, the body also carries
  ``timestamp`` (seconds, as a string) and ``sign`` = base64(HMAC-SHA256 with the key
  ``timestamp + "\\n" + secret`` over an empty message). The reply is HTTP 200 also on failure:
  ``code`` (or the older ``StatusCode``) other than 0 is an error (19021: bad signature).
- **DingTalk** (钉钉自定义机器人): POST JSON ``{"msgtype": "markdown", "markdown": {"title", "text"}}``
  to ``https://oapi.dingtalk.com/robot/send?access_token=<token>``. With 加签 on, the URL gets
  ``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256 with the key secret over
  timestamp + "\\n" + secret))>``. ``errcode`` other than 0 is an error.
- **WeCom** (企业微信群机器人): POST JSON ``{"msgtype": "markdown", "markdown": {"content": …}}`` to
  ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>``; the key in the URL is the only
  credential (no signing). ``errcode`` other than 0 is an error. Markdown content ≤ 4096 bytes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

FEISHU, DINGTALK, WECOM = "feishu", "dingtalk", "wecom"
KINDS = (FEISHU, DINGTALK, WECOM)
TIMEOUT_SECONDS = 10
WECOM_MAX_BYTES = 4096


class BotError(RuntimeError):
    """The bot refused the message (HTTP error, or a non-zero code in an HTTP 200 reply)."""


def feishu_sign(timestamp: int, secret: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """Base64 of the HMAC, already URL-encoded (as the query parameter needs it)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def build_request(kind: str, url: str, secret: str, *, title: str, text: str, link: str = "",
                  now: float | None = None) -> tuple[str, dict]:
    """(url, JSON body) of one message for a bot of `kind`."""
    now = time.time() if now is None else now
    if kind == FEISHU:
        body: dict = {"msg_type": "text", "content": {"text": f"{title}\n{text}" + (f"\n{link}" if link else "")}}
        if secret:
            ts = int(now)
            body.update({"timestamp": str(ts), "sign": feishu_sign(ts, secret)})
        return url, body
    if kind == DINGTALK:
        md = f"### {title}\n\n{text}" + (f"\n\n[查看详情]({link})" if link else "")
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": md}}
        if secret:
            ts = int(now * 1000)
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={dingtalk_sign(ts, secret)}"
        return url, body
    if kind == WECOM:
        md = f"### {title}\n{text}" + (f"\n[查看详情]({link})" if link else "")
        return url, {"msgtype": "markdown", "markdown": {"content": _truncate_bytes(md, WECOM_MAX_BYTES)}}
    raise ValueError(f"unknown bot kind {kind!r}")


def check_reply(kind: str, status: int, raw: bytes) -> None:
    if not 200 <= status < 300:
        raise BotError(f"HTTP {status}")
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise BotError(f"not JSON: {raw[:200]!r}") from exc
    code = data.get("code", data.get("StatusCode", 0)) if kind == FEISHU else data.get("errcode", 0)
    if code not in (0, None):
        message = data.get("msg") or data.get("errmsg") or data.get("StatusMessage") or ""
        raise BotError(f"{kind} code {code}: {message}"[:500])


def bot_send(kind: str, url: str, secret: str, *, title: str, text: str, link: str = "") -> None:
    """Post one message; raises BotError (or OSError) when it did not arrive."""
    url, body = build_request(kind, url, secret, title=title, text=text, link=link)
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            check_reply(kind, response.status, response.read())
    except urllib.error.HTTPError as exc:
        raise BotError(f"HTTP {exc.code}") from exc
