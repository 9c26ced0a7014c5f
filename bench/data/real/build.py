"""Assemble the real evaluation files from the transcribed raw sources in raw/.

Run: .venv/bin/python bench/data/real/build.py   (from the repository root)

raw/en_wa.tsv      unit, intent, confidence, text            (WhatsApp store reviews)
raw/en_gh_*.tsv    family, url, product, intent, confidence, text   (issue posts by users of other
                   communication apps: Signal, Telegram, Element, Jitsi Meet, Rocket.Chat)
raw/zh_*.tsv       unit, url, product, type, module, intent, severity, confidence, text
raw/pairs_*.tsv    a_ref, b_ref, same, evidence               (refs are item ids of zh/en files)

Texts are the users' words as published; the only cleaning done while transcribing is removing
logs, stack traces, code, image links and issue-template headings, and joining lines with a space.
The split comes from split_rule.split_for(unit) alone (never from a label).
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from split_rule import split_for  # noqa: E402

WA_URL = ("https://github.com/RalphSaridar369/whatsapp-reviews-insights/blob/"
          "6df6345ce62980d8e593c4e51ef5e0fbaa393635/app/src/data/reviews.json")
WA_SOURCE = "WhatsApp Messenger store reviews as published in RalphSaridar369/whatsapp-reviews-insights"


def read_tsv(path, ncols):
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != ncols:
                raise SystemExit(f"{path}:{n}: {len(parts)} columns, expected {ncols}")
            rows.append(parts)
    return rows


# Product families: repositories about one product (several packagings or plugins of the same
# client, the SDKs of one vendor) share a unit, so one incident never lands on both sides.
FAMILY = {
    "X1a0He/X1a0HeWeChatPlugin": "wechat-mac-plugins", "MustangYM/WeChatExtension-ForMac": "wechat-mac-plugins",
    "TKkk-iOSer/WeChatPlugin-MacOS": "wechat-mac-plugins", "sunnyyoung/WeChatTweak": "wechat-mac-plugins",
    "huiyadanli/RevokeMsgPatcher": "wechat-pc-revoke-patch",
    "zq1997/deepin-wine": "linux-wine-im", "vufa/deepin-wine-wechat-arch": "linux-wine-im",
    "wszqkzqk/deepin-wine-ubuntu": "linux-wine-im", "vufa/deepin-wine-qq-arch": "linux-wine-im",
    "nashaofu/dingtalk": "dingtalk-linux", "id10tttt/com.alibabainc.dingtalk-flatpak": "dingtalk-linux",
    "LiteLoaderQQNT/LiteLoaderQQNT": "qq-linux", "initialencounter/chronocat-termux": "qq-linux",
    "xiehuc/pidgin-lwqq": "qq-linux",
    "tencentyun/TRTCSDK": "tencent-rtc", "undefineders/WXMiniByUniapp-TRTC": "tencent-rtc",
    "tencentyun/XiaoZhiBo": "tencent-rtc",
    "tuyaohui/WebRTC_iOS": "webrtc-demos", "ddssingsong/webrtc_android": "webrtc-demos",
    "TencentCloud/TIMSDK": "tencent-im", "JiangJuHong/FlutterTencentImPlugin": "tencent-im",
    "tencentyun/MLVBSDK": "tencent-rtc",
    "lovechoudoufu/wechat_for_linux": "wechat-linux-native", "web1n/wechat-universal-flatpak": "wechat-linux-native",
    "AOSC-Dev/liblol": "wechat-linux-native",
    "hillwoodroc/winetricks-zh": "linux-wine-im", "huan/docker-wechat": "linux-wine-im",
    "eNkru/freechat": "wechat-web-wrappers", "zhongyi-tong/electronic-wechat": "wechat-web-wrappers",
    "pili-engineering/QNRTC-iOS": "qiniu", "pili-engineering/PLAudioStreamingKit": "qiniu",
    "ksvc/KSYMediaPlayer_Android": "ksyun", "fpzeng/KSYStreamer_Android": "ksyun",
    "Xiaomi-mimc/mimc-webjs-sdk": "xiaomi-mimc",
    "xiyuesaves/lite-tools": "qq-linux", "NapNeko/NapCatQQ": "qq-linux",
    "firesunCN/WechatEnhancement": "wechat-android-mods", "Gh0u1L5/WechatMagician": "wechat-android-mods",
    "Xposed-Modules-Repo/com.xchat": "wechat-android-mods", "HdShare/WAuxiliary_Public": "wechat-android-mods",
    "cs-lazy-tools/ChatGPT-On-CS": "wechat-ai-bots", "SnapdragonLee/ChatGPT-weBot": "wechat-ai-bots",
    "ljc545w/ComWeChatRobot": "wechat-pc-bots", "TonyChen56/WeChatRobot": "wechat-pc-bots",
    "littlecodersh/ItChat": "wechat-web-bots", "liuwons/wxBot": "wechat-web-bots",
    "xhzengAIB/MessageDisplayKit": "chat-ui-kits", "reactnativecomponent/react-native-chat-demo": "netease",
    "project-mirai/mirai-api-http": "qq-bots", "Yiyuiii/nonebot-plugin-moegoe": "qq-bots",
    "AsTryE/QQRedPackHelper": "qq-mac-plugins",
    "LLOneBot/LuckyLilliaBot": "qq-linux", "ehForwarderBot/efb-qq-slave": "qq-bots", "mamoe/mirai": "qq-bots",
    "Mrs4s/go-cqhttp": "qq-bots", "Yinzo/SmartQQBot": "qq-bots", "HKUDS/nanobot": "qq-bots",
    "nodeWechat/wechat4u": "wechat-web-bots", "kooritea/electronic-wechat": "wechat-web-wrappers",
    "Tencent-RTC/TUICallKit": "tencent-rtc", "tencentyun/TRTCFlutterScenesDemo": "tencent-rtc",
    "dingxiang-me/OpenClaw-Wechat": "wecom-bots", "Eric-Guo/wechat": "wecom-bots", "NAStool/nas-tools": "wecom-bots",
    "fanchunke/chatgpt-wecom": "wecom-bots", "toboto/openclaw-wecom-channel": "wecom-bots",
    "langbot-app/LangBot": "wecom-bots", "BytePioneer-AI/openclaw-china": "wecom-bots",
    "tuangtalk/chatgpt-wecom": "wecom-bots",
    "danni-cool/wechatbot-webhook": "wechaty", "hmllsnow/escape-wechat": "wechaty", "Devo919/Gewechat": "wechaty",
    "lyyyuna/wechat_robot": "wechat-web-bots",
    "YuanYeYouTao/Yuki-QQbot": "qq-bots", "takayama-lily/oicq": "qq-bots", "liuxiaoyucc/uni-huanxin-im": "easemob",
    "kx-Huang/ChatGPT-on-WeChat": "wechat-ai-bots", "AutumnWhj/ChatGPT-wechat-bot": "wechat-ai-bots",
    "869413421/wechatbot": "wechat-ai-bots", "fuergaosi233/wechat-chatgpt": "wechat-ai-bots",
    "zhayujie/CowAgent": "wechat-ai-bots", "hanfangyuan4396/dify-on-wechat": "wechat-ai-bots",
    "easydu2002/chat_gpt_oicq": "qq-bots", "tencent-connect/openclaw-qqbot": "qq-bots",
    "AmethystTim/JM-PDF-plugin": "qq-bots",
    "Mzdyl/LiteLoaderQQNT_Install": "qq-linux", "xtaw/LiteLoaderQQNT-Fake-Message": "qq-linux",
    "qianxuu/LiteLoaderQQNT-Plugin-Demo-Mode": "qq-linux",
    "Zhalslar/astrbot_plugin_qqadmin": "qq-bots", "ferredoxin/QNotified": "qq-android-mods",
    "ngc660sec/NGCBot": "wechat-pc-bots", "mrsanshui/WeChatPYAPI": "wechat-pc-bots",
    "cixingguangming55555/wechat-bot": "wechat-pc-bots", "lich0821/wcf-client-rust": "wechat-pc-bots",
    "ttttupup/wxhelper": "wechat-pc-bots", "holdyeah/wechat-pc-hook-python": "wechat-pc-bots",
    "EEEEhex/RevokeHook": "wechat-pc-revoke-patch",
    "Chevey339/kelivo": "ai-chat-clients", "fkzhang/QQUnrecalled": "qq-android-mods",
    "fkzhang/WechatUnrecalled": "wechat-android-mods", "MustangYM/WeChatSeptet-ForMac": "wechat-mac-plugins",
    "mimocvb/LiteLoaderQQNT-MessageEdit": "qq-linux", "Tencent-RTC/TRTC_Flutter": "tencent-rtc",
    "pili-engineering/QNRTC-Web": "qiniu",
    "GuiminChu/flutter_nim": "netease", "xh321/LiteLoaderQQNT-Anti-Recall": "qq-linux",
    "trazyn/weweChat": "wechat-web-wrappers", "LC044/WeChatMsg": "wechat-data-tools",
    "git-jiadong/wechatDataBackup": "wechat-data-tools",
    "ikechan8370/chatgpt-plugin": "qq-bots", "wpyok168/XiaoLiZi_SDK": "qq-bots",
    "Ericwyn/electron-lark": "feishu-clients", "Zwhy2025/linux-wxwork": "linux-wine-im",
    "Alibaba-Quark/LiveAvatar": "wechat-group-qr", "hiyouga/LlamaFactory": "wechat-group-qr",
    "opendatalab/MinerU": "wechat-group-qr", "dvajs/dva": "wechat-group-qr", "foyoux/aligo": "wechat-group-qr",
    "tinysou/roadmap": "wechat-group-qr", "Ucas-HaoranWei/GOT-OCR2.0": "wechat-group-qr",
    "starrtc/starrtc-android-demo": "starrtc",
    "chatboxai/chatbox": "ai-chat-clients", "chatpire/chatgpt-web-share": "ai-chat-clients",
    "xcanwin/KeepChatGPT": "ai-chat-clients", "lxfater/Portal": "ai-chat-clients", "daodao97/chatmcp": "ai-chat-clients",
    "telegramdesktop/tdesktop": "telegram", "morethanwords/tweb": "telegram",
    "openfde/openfde": "tencent-meeting", "AllanChain/blog": "tencent-meeting", "linuxdeepin/treeland": "tencent-meeting",
    "yinxin630/fiora": "fiora",
    "flathub/com.tencent.WeChat": "wechat-linux-native", "7Ji-PKGBUILDs/wechat-universal-bwrap": "wechat-linux-native",
    "flathub/com.qq.QQ": "qq-linux", "top-bettercode/docker-wechat": "linux-wine-im", "top-bettercode/docker-qq": "linux-wine-im",
    "zhullyb/deepin.com.dingtalk.com": "linux-wine-im", "xddxdd/nur-packages": "dingtalk-linux",
    "lzl200110/dingtalk-wayland-screenshare": "dingtalk-linux",
    "vufa/deepin-wine-tim-arch": "linux-wine-im", "jactor-sue/Deepin-Apps-Installation": "linux-wine-im",
    "gentoo-zh/overlay": "qq-linux", "zhanlangsir/Qtqq": "qq-linux",
    "Icalingua/Icalingua": "Icalingua-plus-plus/Icalingua-plus-plus",
    "festoney8/LiteLoaderQQNT-Telegram-Theme": "qq-linux", "huataihuang/cloud-atlas": "linux-wine-im", "sindresorhus/caprine": "messenger-desktop",
    "flathub/com.tencent.wemeet": "tencent-meeting", "xuwd1/wemeet-wayland-screenshare": "tencent-meeting",
    "ZhuLinsen/daily_stock_analysis": "feishu-bots", "m1heng/clawdbot-feishu": "feishu-bots",
    "ConnectAI-E/feishu-openai": "feishu-bots", "baileyh8/hermes-feishu-streaming-card": "feishu-bots",
}


def family(unit):
    if unit in FAMILY:
        return FAMILY[unit]
    owner = unit.split("/")[0].lower()
    for vendor in ("agora", "rongcloud", "netease", "openimsdk", "leancloud", "wildfirechat", "wukongim",
                   "easemob", "larksuite", "wechaty"):
        if vendor in owner:
            return vendor
    return unit


def norm(text):
    return " ".join(text.split())


def build_en():
    out, seen = [], set()
    for unit, intent, conf, text in read_tsv(os.path.join(HERE, "raw", "en_wa.tsv"), 4):
        text = norm(text)
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        thread = f"wa-review:{text}" if unit == "review" else unit
        out.append({
            "id": f"en-wa-{len(out) + 1:04d}", "text": text, "source": WA_SOURCE, "url": WA_URL,
            "product": "WhatsApp", "thread": unit if unit != "review" else "wa-outlier-review",
            "split": split_for(thread), "labels": {"intent": intent}, "confidence": conf,
        })
    # Second round: posts by end users of other communication apps on the apps' public issue
    # trackers. The split unit is the product family (all repositories of one app), so every
    # thread, its +1s and its duplicates stay on one side.
    n = 0
    for path in sorted(glob.glob(os.path.join(HERE, "raw", "en_gh_*.tsv"))):
        for fam, url, product, intent, conf, text in read_tsv(path, 6):
            text = norm(text)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            n += 1
            repo = "/".join(url.split("/")[3:5])
            out.append({
                "id": f"en-gh-{n:04d}", "text": text, "source": f"GitHub issue thread ({repo}; family {fam})",
                "url": url, "product": product, "thread": url, "split": split_for(fam),
                "labels": {"intent": intent}, "confidence": conf,
            })
    return out


def build_zh(prefix="zh_", id_prefix="zh"):
    out, seen = [], set()
    for path in sorted(glob.glob(os.path.join(HERE, "raw", prefix + "*.tsv"))):
        for unit, url, product, typ, module, intent, severity, conf, text in read_tsv(path, 9):
            text = norm(text)
            key = text.lower()
            if key in seen:
                continue
            seen.add(key)
            src = "GitHub issue thread" if "github.com" in url else "public web page"
            out.append({
                "id": f"{id_prefix}-{len(out) + 1:04d}", "text": text, "source": f"{src} ({unit})", "url": url,
                "product": product, "thread": url.split("#")[0], "family": family(unit),
                "split": split_for(family(unit)),
                "labels": {"type": typ, "module": module, "intent": intent, "severity": severity},
                "confidence": conf,
            })
    return out


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(rows))


def resolve(ref, items, by_id):
    if not ref.startswith("~"):
        return by_id[ref]
    hits = [r for r in items if ref[1:] in r["text"]]
    if len(hits) > 1:  # an exact text wins over texts that merely contain it
        hits = [r for r in hits if r["text"] == ref[1:]] or hits
    if len(hits) != 1:
        raise SystemExit(f"pair reference {ref!r} matches {len(hits)} items")
    return hits[0]


def build_pairs(items):
    by_id = {r["id"]: r for r in items}
    out, seen = [], set()
    for path in sorted(glob.glob(os.path.join(HERE, "raw", "pairs_*.tsv"))):
        for a, b, same, evidence in read_tsv(path, 4):
            ra, rb = resolve(a, items, by_id), resolve(b, items, by_id)
            a, b = ra["id"], rb["id"]
            if ra is rb or (a, b) in seen or (b, a) in seen:
                raise SystemExit(f"pair {a} {b}: same item or listed twice")
            seen.add((a, b))
            if ra["split"] != rb["split"]:
                continue  # a pair whose two texts fall on different sides would leak: dropped
            out.append({
                "a": ra["text"], "b": rb["text"], "a_id": a, "b_id": b, "a_url": ra["url"], "b_url": rb["url"],
                "product": ra["product"], "module": ra["labels"].get("module", ""),
                "same": same == "1", "evidence": evidence, "split": ra["split"],
            })
    return out


if __name__ == "__main__":
    en = build_en()
    zh = build_zh()
    write("en_app_reviews.jsonl", en)
    write("zh_im_reports.jsonl", zh)
    # raw/pool_*.tsv: further real reports of incidents already in zh_im_reports (more "+1" voices);
    # kept out of the classification file (near-copies) but usable as the second text of a pair.
    pool = build_zh("pool_", "pool")
    pairs = build_pairs(en + zh + pool)
    write("problem_pairs.jsonl", pairs)
