"""Synthetic user-feedback corpus for demo data and load tests.

Pure standard library (no Django imports).  All text is written from original
templates in this module; nothing is copied from third-party reviews.

Public API
----------
PRODUCTS                 list of {"slug", "name"}
PLATFORMS                list of platform slugs
CHANNELS                 list of channel slugs
RELEASES                 release specs, expressed relative to ``now`` (days_before_now)
releases_for(now)        concrete releases with aware ``released_at`` datetimes
generate(n, seed=7, now) list of ``n`` feedback dicts, deterministic for a seed

Each generated item carries a ``truth`` dict (type / severity / scope / module /
intent) that follows the wording of the text, so it can be used to evaluate
classifiers, plus ``target_status`` / ``resolution`` for seeding workflow state.

Planted signals:
* release spikes: more items in the days right after every release;
* a rising hot spot in the last 2 weeks: 屏幕共享黑屏 on the newest 企信会议 release;
* ~5% near-duplicates (same complaint re-posted, slightly reworded, on another channel);
* ~3% unknown client versions (e.g. "5.4.0-beta");
* one version pair whose string order differs from version order (5.9.2 / 5.10.0, 3.9.1 / 3.10.0).
"""
from __future__ import annotations

import bisect
import datetime as _dt
import math
import random

__all__ = [
    "PRODUCTS",
    "PLATFORMS",
    "CHANNELS",
    "RELEASES",
    "releases_for",
    "generate",
]

UTC = _dt.timezone.utc
CST = _dt.timezone(_dt.timedelta(hours=8), "CST")

PRODUCTS = [{"slug": "im", "name": "企信 IM"}, {"slug": "meeting", "name": "企信会议"}]
PLATFORMS = ["ios", "android", "windows", "macos", "web"]
CHANNELS = ["in_app", "ticket", "community", "app_store", "social", "sales"]

# Release plan, relative to ``now``.  platform "" means all platforms.
# Ascending per product; 5.9.2 < 5.10.0 and 3.9.1 < 3.10.0 although the strings sort the
# other way.  The newest meeting release is ~13 days old (the hot spot rides on it).
RELEASES = [
    {"product": "im", "platform": "", "version": "5.1.0", "days_before_now": 236},
    {"product": "im", "platform": "", "version": "5.2.0", "days_before_now": 201},
    {"product": "im", "platform": "", "version": "5.2.1", "days_before_now": 187},
    {"product": "im", "platform": "", "version": "5.3.0", "days_before_now": 152},
    {"product": "im", "platform": "", "version": "5.3.1", "days_before_now": 118},
    {"product": "im", "platform": "", "version": "5.9.2", "days_before_now": 74},
    {"product": "im", "platform": "", "version": "5.10.0", "days_before_now": 31},
    {"product": "meeting", "platform": "", "version": "3.6.0", "days_before_now": 228},
    {"product": "meeting", "platform": "", "version": "3.7.0", "days_before_now": 190},
    {"product": "meeting", "platform": "", "version": "3.7.1", "days_before_now": 162},
    {"product": "meeting", "platform": "", "version": "3.8.0", "days_before_now": 131},
    {"product": "meeting", "platform": "", "version": "3.9.1", "days_before_now": 88},
    {"product": "meeting", "platform": "", "version": "3.10.0", "days_before_now": 13},
]

WINDOW_DAYS = 180
HOTSPOT_ISSUE = "screen_share_black"


def _aware(now: _dt.datetime) -> _dt.datetime:
    if now.tzinfo is None or now.tzinfo.utcoffset(now) is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def releases_for(now: _dt.datetime) -> list[dict]:
    """Concrete releases relative to ``now``: released at 10:00 China time on their day."""
    now = _aware(now)
    today = now.astimezone(CST).date()
    out = []
    for r in RELEASES:
        d = today - _dt.timedelta(days=r["days_before_now"])
        at = _dt.datetime(d.year, d.month, d.day, 10, 0, tzinfo=CST).astimezone(UTC)
        out.append(
            {"product": r["product"], "platform": r["platform"], "version": r["version"], "released_at": at}
        )
    return out


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

def _s(text: str) -> list[str]:
    return [t.strip() for t in text.split("|") if t.strip()]


# (zh, en, level) - level "low" downgrades major -> normal
FREQS = [
    ("经常", "It happens quite often.", "mid"),
    ("偶尔", "It only happens occasionally.", "low"),
    ("每次都", "Happens every single time.", "high"),
    ("老是", "Happens all the time.", "mid"),
    ("时不时", "It comes and goes.", "low"),
    ("隔三差五就", "A few times a week.", "mid"),
    ("动不动就", "Constantly.", "high"),
    ("总是", "Every time.", "high"),
    ("最近几天一直", "Been like this for the past few days.", "high"),
    ("一天好几次", "Several times a day.", "high"),
    ("", "", "mid"),
    ("", "", "mid"),
]

SCENES = {
    "meeting": (_s("开会的时候，|在视频会议进行中，|一边开会一边回消息的时候，|参加部门例会时，|和客户开线上会的时候，"),
                _s("During meetings, |In the middle of a video call, |While presenting to a client, ")),
    "peak": (_s("高峰期，|早上九点上班高峰，|每天上午十点左右，|月底大家都在线的时候，|周一早上全员例会时，"),
             _s("During peak hours, |Every Monday morning, |Around 9am when everyone logs in, ")),
    "weak": (_s("弱网下，|网络不好的时候，|在地铁上信号弱的时候，|在地下车库里，|高铁上网络时好时坏的时候，|出差住的酒店Wi-Fi很差，"),
             _s("On a weak connection, |On hotel Wi-Fi, |When my signal drops on the train, ")),
    "bt": (_s("连蓝牙耳机的时候，|戴着AirPods的时候，|用蓝牙耳机接听时，|连车载蓝牙的时候，|换成蓝牙音箱以后，"),
           _s("With Bluetooth earbuds connected, |With my AirPods on, |When using a Bluetooth headset, ")),
    "biggroup": (_s("群里超过500人的时候，|在2000人的大群里，|大群（800多人）里，|全员群里消息一多，|公司的千人大群里，"),
                 _s("In groups with 500+ members, |In our company-wide group, ")),
    "background": (_s("切到后台以后，|锁屏之后，|App在后台放一段时间后，|开了省电模式以后，"),
                   _s("When the app is in the background, |Once the phone is locked, ")),
    "vpn": (_s("连着公司VPN的时候，|开了代理以后，|在公司内网环境下，"),
            _s("When I'm on the company VPN, |Behind our corporate proxy, ")),
    "longtime": (_s("连续开会一个多小时后，|会议时间一长（超过2小时），|挂了一整天之后，|开了一上午的会以后，"),
                 _s("After about an hour in a call, |After a long meeting, ")),
    "bigfile": (_s("传大文件（1G以上）时，|发超过200M的视频时，|一次选几十个文件上传时，"),
                _s("With large files (1GB+), |When uploading big videos, ")),
    "external": (_s("跟外部联系人聊天时，|在和合作方的互通群里，|给客户发消息的时候，"),
                 _s("In chats with external contacts, |When messaging clients outside our org, ")),
    "multiscreen": (_s("外接显示器的时候，|双屏办公时，|投屏到会议室大屏时，|笔记本合上盖子用外接屏时，"),
                    _s("With an external monitor, |On a dual-screen setup, |When casting to the meeting-room TV, ")),
    "largehistory": (_s("聊天记录很多的会话里，|和老板几年的聊天记录里，|消息过万条的群里，"),
                     _s("In chats with years of history, ")),
}

VER_CTX_ZH = _s(
    "升级到{v}以后，|更新到{v}之后，|自从更新了{v}，|{v}版本上，|装了新版{v}，|这次{v}更新后，|"
    "昨天自动更新到{v}，然后|升级{v}以后就开始|新版本（{v}）"
)
VER_CTX_EN = _s("After updating to {v}, |Since the {v} update, |Ever since {v}, |On version {v}, |After the latest update ({v}), ")

IND_MARK = _s(
    "只有我这样，同事都正常|就我的账号有这个问题|别人都好好的，就我这台不行|问了一圈同事只有我遇到|"
    "办公室其他人都没事|换了同事的电脑登我的号也一样"
)
IND_MARK_SALES = _s("目前只有客户那边一位同事遇到|其他同事没有这个问题，只有一个账号|仅个别员工的设备出现")
IND_MARK_EN = _s("It's only me, my colleagues are fine.|Only happens on my account.|Nobody else on my team sees this.")
WIDE = _s("我们全部门都这样|全公司几百人都遇到了|所有同事都反馈了|整个项目组都用不了了|全部用户都受影响")
WIDE_SALES = _s("客户全公司都受影响|客户那边几百个账号全部出现|整个分公司都在反馈")
WIDE_EN = _s("Our whole team is affected.|Everyone in our office has the same problem.|All of our 300 users are affected.")

DETAIL_TRIED = _s(
    "重启也没用|卸载重装了还是一样|清了缓存也不行|换了网络也一样|等一会儿又好了|退出重新登录还是不行|"
    "重启电脑后好了一会儿又出现|把手机重启了也没用|关掉再打开能好几分钟"
)
DETAIL_TRIED_EN = _s("Reinstalling didn't help.|Restarting the app fixes it for a few minutes.|Cleared the cache, no luck.")

EMO_COMPLAINT = _s(
    "太影响工作了|希望尽快修复|客户都在抱怨|麻烦看一下|请尽快处理|这个问题已经反馈过好几次了|真的很耽误事|"
    "领导已经在问了|再不修我们要考虑换工具了|辛苦排查一下|急，在线等|希望下个版本能解决"
)
EMO_PRAISE = _s("好评！|点赞|继续保持|给开发团队点个赞|这次更新很用心|比之前好太多了|必须夸一下")
EMO_SUGGEST = _s("谢谢|期待|希望能考虑一下|很多同事都有这个需求|有的话会方便很多|辛苦产品同学评估")
EMO_QUESTION = _s("谢谢|麻烦告知一下|在线等|找了半天帮助文档没找到|谢谢客服")
EMO_COMPLAINT_EN = _s("Please fix ASAP.|This is really hurting our work.|Our clients are complaining.|Very frustrating.|Any workaround?|Please look into it.")
EMO_PRAISE_EN = _s("Great job!|Keep it up 👍|Really impressed.|Nice work, team.")
EMO_SUGGEST_EN = _s("Would be super helpful.|Thanks!|Hope you consider it.|Lots of us would use this.")
EMO_QUESTION_EN = _s("Thanks in advance.|Couldn't find it in the docs.|Thanks!")

SLANG = _s("真的醉了|无语|绝了|心态崩了|服了|离谱|血压上来了|救命|破防了|有被气到|就离谱|我真的会谢|整个人麻了|一言难尽")
SLANG_OPEN = _s("家人们谁懂啊，|吐槽一下，|打工人真的太难了，|又来了又来了，|今天第N次了，|")
SLANG_PRAISE = _s("yyds|真香|爱了爱了|绝绝子|太顶了|狠狠爱住|可以的")
EMOJI_BAD = ["😡", "😤", "🙄", "💢", "😭", "🤯", "😓", "🤡", "😩", ""]
EMOJI_GOOD = ["👍", "👏", "❤️", "🎉", "😄", "🥳", "💯", ""]
HASHTAGS = _s("#企信#|#打工人#|#远程办公#|#办公软件#|#吐槽#|")
HASHTAGS_GOOD = _s("#企信#|#远程办公#|#办公软件#|#好物推荐#|")
SLANG_EN = _s("smh|Seriously?|Ugh.|So annoying.|This is ridiculous.|Come on.|Not again.")
SLANG_PRAISE_EN = _s("Love it!|Great job.|Finally!|Chef's kiss.|Big fan.")

COMMUNITY_TITLE = ["求助：{t}", "{t}？", "有人遇到{t}的问题吗", "【反馈】{t}", "{t}，怎么解决", "关于{t}", "{t}（已重启无效）", "{t}!!!"]
COMMUNITY_OPEN = _s("如题，|各位大佬，|有没有人和我一样，|发帖求助，|搜了一圈没找到答案，|新人求助，|")
COMMUNITY_CLOSE = _s("求解决！|有没有官方的人来看看|顶一下，希望官方回复|求办法|遇到的+1|有知道的朋友说一下|谢谢各位")
COMMUNITY_TITLE_Q = ["请教：{t}", "{t}？", "小白求问：{t}", "【提问】{t}"]
COMMUNITY_TITLE_S = ["【建议】{t}", "建议：{t}", "{t}（功能建议）", "许愿：{t}"]
COMMUNITY_TITLE_P = ["【好评】{t}", "{t}，必须表扬", "夸一下：{t}"]

APPSTORE_TITLE_BAD = _s("差评|垃圾更新|越更新越难用|体验很差|能不能用心点|一星都不想给|更新后变差了|闪退严重|用不了")
APPSTORE_TITLE_MID = _s("还行|有待改进|一般般|中规中矩|希望优化")
APPSTORE_TITLE_GOOD = _s("好用|五星好评|越来越好了|点赞|推荐|非常流畅|良心更新")

SALES_INTRO = [
    "客户反馈：", "{industry}客户（{company}，约{seats}人使用）反馈，", "今天拜访{company}，对方IT负责人反映",
    "{company}的对接人今天电话里提到，", "周会同步一个客户问题：{company}反馈", "{company}（{industry}，{seats}席位）信息部反馈，",
]
SALES_IMPACT = _s(
    "客户比较在意这个问题，续约前希望能解决。|目前客户在评估竞品，麻烦优先处理。|客户整体满意度还可以，就是这个点提了好几次。|"
    "下个月客户要扩容，希望在此之前有结论。|客户高层也知道了，压力比较大。|"
)
SALES_ASK = _s("麻烦产品同事看看。|请协助跟进，谢谢！|辛苦评估一下排期。|有进展麻烦同步我，我好回复客户。|拜托了🙏")
_COMPANY_INDUSTRY = [
    ("某银行", "金融"), ("某城商行", "金融"), ("某保险公司", "金融"), ("某头部券商", "金融"), ("某基金公司", "金融"),
    ("某连锁零售企业", "零售"), ("某汽车制造企业", "制造"), ("某新能源企业", "能源"), ("某三甲医院", "医疗"),
    ("某医药集团", "医疗"), ("某省级政务单位", "政务"), ("某物流公司", "物流"), ("某互联网公司", "互联网"),
    ("某律师事务所", "法律"), ("某高校", "教育"), ("某教育机构", "教育"), ("某地产集团", "地产"), ("某外贸公司", "外贸"),
]
COMPANIES = [c for c, _ in _COMPANY_INDUSTRY]
INDUSTRY_OF = dict(_COMPANY_INDUSTRY)
SEATS = [80, 150, 300, 500, 800, 1200, 2000, 3500, 6000, 12000]

TICKET_OPEN_ZH = _s(
    "您好，|你好，我们是{company}的IT管理员，|您好，这里是{company}信息中心，|管理员提交：|你好，麻烦看下这个问题。|"
)
TICKET_EXPECT = {
    "message": _s("消息正常发送并显示已送达|消息和通知实时到达|功能正常使用"),
    "voice": _s("语音正常播放和通话|双方都能清晰听到声音|功能正常使用"),
    "video": _s("画面流畅清晰|共享内容正常显示|功能正常使用"),
    "group": _s("群功能正常使用|群内所有成员都能正常收到|功能正常使用"),
    "file": _s("文件正常上传下载|文件可以正常预览|功能正常使用"),
    "other": _s("App正常启动并使用|登录成功|功能正常使用"),
}
GENERIC_STEPS = {
    "message": [["打开{pname}，进入任意单聊", "输入文字或选择图片发送", "观察消息状态"],
                ["打开一个群聊会话", "连续发送几条消息", "切换到其他会话后再切回来"]],
    "voice": [["进入会话或会议", "发起语音/按住说话", "观察声音和播放情况"],
              ["发起语音通话", "通话持续几分钟", "观察是否有断线或杂音"]],
    "video": [["发起或加入一个视频会议", "打开摄像头或开始共享", "让其他参会人观察画面"],
              ["进入视频通话", "保持通话10分钟以上", "观察画面是否正常"]],
    "group": [["打开一个成员较多的群", "执行对应的群操作", "观察群成员那边的结果"],
              ["进入群聊", "打开群设置或群文件", "观察加载和操作结果"]],
    "file": [["在会话中选择一个文件", "点击上传/下载/预览", "观察进度和结果"],
             ["打开群文件或云盘", "选择文件下载", "观察是否成功"]],
    "other": [["打开{pname}", "正常登录并使用几分钟", "观察是否出现问题"],
              ["冷启动App", "进入首页并切换几个页面", "观察现象"]],
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = _s("伟|芳|娜|敏|静|磊|洋|勇|艳|杰|涛|明|超|霞|刚|丽|强|军|晨|宇|浩然|欣怡|子涵|思远|文博|雨萱|佳琪|梓轩|一鸣|建国|海燕|志强|晓东|婷婷|俊杰")
TITLES_ZH = ["女士", "先生", "工", "经理", "总", "老师", "主管", "同学"]
NICKS = _s(
    "小鱼不吃鱼|打工人阿杰|摸鱼达人|加班的猫|今天也要早睡|产品汪小白|一只程序猿|奶茶续命|周五快乐|不想开会|"
    "西瓜味的夏天|早八人|社畜日记|会议室常驻|键盘侠本侠|运营小姐姐|北漂十年|深夜改方案|咖啡不加糖|工位上的猫"
)
EN_NAMES = _s(
    "Alex|Priya|Daniel|Sarah|Kenji|Linh Nguyen|Maria|Tom|Wei Ling|Rahul|Emma|Lucas|Aisyah|Jonas|Chloe|Arjun|Mei|Oliver|Fatima|Ryan"
)
SALES_NAMES = ["张", "刘", "陈", "赵", "孙", "周", "吴", "郑"]

DEVICES = {
    "ios": ["iPhone 15", "iPhone 15 Pro", "iPhone 14", "iPhone 13", "iPhone 12", "iPad Air", "iPhone 16 Pro Max"],
    "android": ["华为 Mate 60", "华为 P60", "小米 14", "Redmi K70", "OPPO Find X7", "vivo X100", "荣耀 Magic6", "三星 Galaxy S23", "一加 12"],
    "windows": ["Windows 11", "Windows 10", "Windows 11 / ThinkPad X1", "Windows 10 / 联想台式机", "Windows 11 / Surface"],
    "macos": ["MacBook Pro M3", "MacBook Air M2", "macOS 14", "iMac M1", "Mac mini M2"],
    "web": ["Chrome 126", "Edge 125", "Safari 17", "Firefox 127", "360浏览器"],
}
DEVICES_EN = dict(DEVICES, android=["Samsung Galaxy S23", "Pixel 8", "OnePlus 12", "Xiaomi 14"])
REGIONS_ZH = (["华东", "华南", "华北", "华中", "西南", "西北", "东北"], [30, 20, 20, 10, 10, 5, 5])
REGIONS_EN = (["海外-东南亚", "海外-北美", "海外-欧洲", "海外-日韩"], [50, 20, 20, 10])
REGION_EN = {"海外-东南亚": "Southeast Asia", "海外-北美": "North America", "海外-欧洲": "Europe", "海外-日韩": "Japan/Korea"}
REGION_TZ = {"海外-东南亚": 7, "海外-北美": -5, "海外-欧洲": 1, "海外-日韩": 9, "港澳台": 8}

PLATFORM_CN = {"ios": "iOS", "android": "安卓", "windows": "Windows", "macos": "Mac", "web": "网页版"}

# hour-of-day weights in local time (busy during office hours)
_HOUR_W = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 9, 10, 9, 5, 6, 9, 10, 10, 8, 5, 4, 4, 4, 3, 2]
_HOUR_CUM = []
_acc = 0.0
for _w in _HOUR_W:
    _acc += _w
    _HOUR_CUM.append(_acc)
del _acc, _w

# Simplified -> Traditional (subset) for zh-TW items, plus a few Taiwan vocabulary swaps.
_TW_WORDS = [
    ("视频", "視訊"), ("软件", "軟體"), ("网络", "網路"), ("消息", "訊息"), ("信息", "資訊"), ("屏幕", "螢幕"),
    ("默认", "預設"), ("设置", "設定"), ("文件", "檔案"), ("登录", "登入"), ("用户", "使用者"), ("质量", "品質"),
    ("内存", "記憶體"), ("缓存", "快取"), ("卸载", "解除安裝"), ("鼠标", "滑鼠"), ("服务器", "伺服器"),
]
_TW_PAIRS = (
    "这這 个個 发發 会會 议議 时時 后後 么麼 没沒 说說 们們 里裡 过過 开開 关關 问問 题題 应應 该該 现現 为為 还還 进進 "
    "话話 声聲 频頻 视視 语語 录錄 载載 传傳 连連 线線 网網 络絡 断斷 顿頓 闪閃 动動 图圖 对對 经經 几幾 钟鐘 边邊 让讓 "
    "试試 设設 机機 电電 脑腦 层層 点點 击擊 显顯 页頁 乱亂 难難 键鍵 实實 际際 环環 复復 级級 换換 无無 务務 员員 长長 "
    "间間 听聽 见見 觉覺 体體 验驗 讯訊 报報 软軟 请請 谢謝 帮幫 处處 给給 从從 样樣 态態 头頭 档檔 导導 组組 数數 条條 节節 "
    "转轉 扫掃 码碼 号號 户戶 热熱 内內 缓緩 输輸 种種 单單 双雙 专專 业業 东東 华華 区區 车車 爱愛 误誤 错錯 绝絕 虽雖 认認 "
    "识識 记記 纪紀 约約 红紅 叹嘆 讨討 论論 备備 产產 严嚴 两兩 为為 乐樂 书書 买買 云雲 亲親 优優 众眾 决決 减減 准準 则則 "
    "刚剛 创創 删刪 别別 办辦 劳勞 势勢 医醫 协協 压壓 参參 变變 吗嗎 启啟 响響 团團 园園 围圍 场場 坏壞 块塊 够夠 夹夾 "
    "学學 宝寶 审審 宽寬 寻尋 将將 尔爾 属屬 岁歲 币幣 师師 带帶 广廣 库庫 废廢 异異 张張 归歸 当當 彻徹 忆憶 怀懷 总總 恶惡 "
    "惊驚 惯慣 战戰 执執 扩擴 扰擾 抢搶 护護 担擔 择擇 挂掛 挤擠 损損 据據 摄攝 摆擺 敌敵 旧舊 暂暫 术術 杂雜 权權 来來 极極 "
    "构構 标標 栏欄 检檢 欢歡 气氣 汇匯 沟溝 泪淚 洁潔 测測 浏瀏 涨漲 渐漸 温溫 满滿 滚滾 灭滅 灯燈 灵靈 烂爛 状狀 独獨 "
    "电電 画畫 畅暢 疯瘋 监監 盖蓋 盘盤 确確 离離 积積 称稱 稳穩 签簽 简簡 类類 紧緊 纠糾 级級 纯純 纷紛 纸紙 练練 细細 "
    "终終 织織 结結 绕繞 统統 继繼 续續 维維 综綜 绿綠 编編 缩縮 罗羅 联聯 脸臉 节節 获獲 营營 蓝藍 虑慮 补補 装裝 观觀 "
    "规規 览覽 触觸 计計 订訂 训訓 讲講 许許 访訪 证證 评評 诉訴 词詞 译譯 诚誠 询詢 详詳 读讀 谁誰 调調 谈談 负負 财財 "
    "责責 败敗 货貨 质質 购購 费費 贴貼 贵貴 资資 赞讚 赶趕 跃躍 轮輪 轻輕 辑輯 达達 运運 远遠 违違 迟遲 适適 选選 递遞 "
    "逻邏 遗遺 邮郵 释釋 钉釘 钱錢 铁鐵 铃鈴 银銀 链鏈 销銷 锁鎖 镜鏡 门門 闭閉 闲閒 闷悶 闹鬧 阅閱 队隊 阳陽 阴陰 陆陸 "
    "险險 随隨 隐隱 静靜 顶頂 项項 顺順 须須 顾顧 预預 领領 颜顏 额額 风風 飞飛 驱驅 骂罵 鱼魚 齐齊 龄齡 尽盡 馈饋 较較 烦煩 竞競 骤驟 级級 灿燦 恢恢 线線"
)
_TW_TABLE = str.maketrans({p[0]: p[1] for p in _TW_PAIRS.split()})


def _to_tw(text: str) -> str:
    for a, b in _TW_WORDS:
        text = text.replace(a, b)
    return text.translate(_TW_TABLE)


REWORD = [
    ("经常", "老是"), ("一直", "总是"), ("发不出去", "发不出"), ("特别", "非常"), ("很", "挺"), ("太", "真的太"),
    ("闪退", "崩溃"), ("提示", "显示"), ("转圈", "加载半天"), ("完全", "根本"), ("好几", "很多"), ("根本", "压根"),
    ("对方", "别人"), ("电脑端", "PC端"), ("手机", "移动端"), ("不能", "没法"), ("没有", "没"), ("打不开", "开不了"),
]


def _reword(rng: random.Random, text: str) -> str:
    cands = [p for p in REWORD if p[0] in text]
    rng.shuffle(cands)
    for a, b in cands[:2]:
        text = text.replace(a, b, 1)
    return text


# ---------------------------------------------------------------------------
# Issue catalogue: (module x type x intent) with zh/en wording
# ---------------------------------------------------------------------------

ISSUES: list[dict] = []


def _I(key, products, module, typ, intent, sev, titles, cores, *, scenes=(), w=1.0, plats=None, steps=None,
       en=None, en_titles=None, force_scope=None, false_report=False, resolution_hint=None):
    ISSUES.append({
        "key": key, "products": products, "module": module, "type": typ, "intent": intent, "sev": sev,
        "titles": _s(titles), "cores": _s(cores), "scenes": tuple(scenes), "w": w, "plats": plats,
        "steps": [_s(x) for x in steps] if steps else None,
        "en": _s(en) if en else [], "en_titles": _s(en_titles) if en_titles else [],
        "force_scope": force_scope, "false_report": false_report,
    })


IM, MT, BOTH = ("im",), ("meeting",), ("im", "meeting")
MOBILE = ["ios", "android"]
DESKTOP = ["windows", "macos"]

# ---- IM: message -------------------------------------------------------------
_I("msg_send_fail", IM, "message", "function", "complaint", "major",
   "消息发不出去|发消息失败|消息一直转圈发送失败|消息发送失败红色感叹号",
   "消息{freq}发不出去，一直转圈，最后显示红色感叹号|发出去的消息{freq}卡在发送中，点重发也没用|"
   "给同事发消息{freq}提示发送失败，网络明明是好的|文字消息能发，但图片{freq}发不出去|"
   "消息显示已发送，但对方说根本没收到|发长一点的消息{freq}失败，短消息反而可以|转发合并消息{freq}失败，提示服务异常",
   scenes=("weak", "peak", "vpn", "external"), w=2.2,
   steps=["打开任意单聊会话|输入一段文字或选择一张图片|点击发送并观察消息状态"],
   en="Messages get stuck on sending and then fail|Messages fail to send with a red exclamation mark|"
      "Images won't send but text goes through|The app says sent but the other person never gets my messages",
   en_titles="Messages fail to send|Stuck on sending")
_I("push_missing", IM, "message", "function", "complaint", "major",
   "收不到推送|消息通知延迟|没有新消息提醒|推送不及时",
   "锁屏后{freq}收不到新消息推送，打开App才看到一堆消息|消息通知{freq}延迟十几分钟才弹出来|"
   "手机上完全没有通知，要手动点进去才刷新|电脑端登录后，手机就{freq}收不到推送了|"
   "老板的消息没有提醒，错过了好几次重要通知|推送只有声音没有横幅，点进去还是旧消息",
   scenes=("background", "weak"), w=2.0, plats=MOBILE,
   en="Not getting push notifications when the phone is locked|Notifications arrive 10+ minutes late|"
      "I only see new messages after opening the app",
   en_titles="No push notifications|Late notifications")
_I("recall_fail", IM, "message", "function", "complaint", "normal",
   "撤回失败|消息撤回不了|撤回后对方还能看到",
   "消息撤回{freq}提示失败，明明还没到2分钟|撤回后对方那边还能看到原消息|群里撤回消息显示成功，但别人手机上还在|"
   "撤回按钮点了没反应|撤回的消息在电脑端还显示着",
   scenes=("weak", "biggroup"), w=1.0,
   en="Recalling a message fails even within 2 minutes|Recalled messages still show up on the other side",
   en_titles="Can't recall messages")
_I("msg_order", IM, "message", "function", "complaint", "normal",
   "消息顺序错乱|聊天记录顺序不对|多端消息不同步",
   "聊天记录里消息顺序{freq}是乱的，后发的跑到前面去了|多端登录时消息顺序对不上|换了手机后，历史消息时间全乱了|"
   "电脑上看到的消息手机上{freq}没有同步过来|同一条消息在会话里出现了两次",
   scenes=("weak", "largehistory"), w=0.9,
   en="Messages show up out of order|Chat history isn't syncing between phone and desktop",
   en_titles="Messages out of order")
_I("read_receipt_wrong", IM, "message", "function", "complaint", "minor",
   "已读状态不准|已读回执显示错误|未读数不对",
   "对方明明看了，还显示未读|已读人数统计不对，群里显示3人未读但大家都说看了|会话列表的未读红点{freq}消不掉|"
   "所有消息都读完了，图标上还挂着99+",
   scenes=("biggroup",), w=0.8,
   en="Unread badge won't go away even after reading everything|Read receipts are wrong",
   en_titles="Wrong unread count")
_I("msg_lag", IM, "message", "performance", "complaint", "major",
   "消息延迟|收消息很慢|消息到达延迟严重",
   "消息{freq}延迟好几秒才到，聊天像发邮件一样|对方发的消息要过一两分钟才显示|电脑上已经收到了，手机上{freq}要等很久|"
   "发出去的消息对方过了半天才收到，沟通效率太低|消息一阵一阵地来，中间空好久",
   scenes=("peak", "weak", "vpn", "external"), w=1.6,
   en="Messages arrive with a delay of several seconds|Messages take minutes to show up on my phone",
   en_titles="Message delay")
_I("chat_open_slow", IM, "message", "performance", "complaint", "normal",
   "打开会话很慢|聊天窗口卡顿|翻历史消息卡",
   "点开聊天窗口要转圈好几秒|聊天记录多的会话一打开就卡住|往上翻历史消息{freq}卡顿掉帧|"
   "切换会话的时候{freq}白屏一下|输入文字有明显延迟，打字跟不上",
   scenes=("largehistory", "biggroup"), w=1.2,
   en="Opening a chat takes several seconds|Scrolling up through history is really laggy",
   en_titles="Chats are slow to open")
_I("search_fail", IM, "message", "function", "complaint", "normal",
   "搜索不到聊天记录|搜索功能不好用|搜索结果不全",
   "搜索聊天记录{freq}搜不到，明明记得有这条消息|搜索只能搜到最近一个月的消息|搜文件名搜不出来，只能一个个翻|"
   "搜索联系人要输全名才能搜到|搜索结果排序很乱，最新的反而在最后",
   scenes=("largehistory",), w=1.0,
   en="Search can't find messages I know exist|Search only returns the last month of messages",
   en_titles="Search is broken")
_I("emoji_panel", IM, "message", "experience", "complaint", "minor",
   "表情面板不好用|表情不好找|表情包太少",
   "表情包太少，而且找半天找不到最近使用的|自定义表情加多了以后面板很难翻|表情回复的入口太隐蔽了，要长按才出来|"
   "表情面板和输入法挤在一起，老是点错",
   w=0.7)
_I("msg_dnd_question", IM, "message", "consultation", "question", "minor",
   "怎么开启消息免打扰|免打扰在哪设置|下班不想收消息",
   "请问怎么开启消息免打扰？找了半天没找到|下班以后不想收到工作群消息，有没有免打扰的设置？|"
   "怎么设置某个群不提醒但是@我的时候提醒？|能不能设置只在工作时间推送消息？|怎么把一个会话置顶？",
   w=1.3,
   en="How do I turn on Do Not Disturb for a chat?|Is there a way to mute work chats after hours?",
   en_titles="How to mute notifications?")
_I("export_history", IM, "message", "consultation", "question", "minor",
   "怎么导出聊天记录|聊天记录迁移|聊天记录备份",
   "怎么导出聊天记录？离职交接需要用|请问聊天记录能不能导出成Excel或者PDF？|换电脑了，聊天记录怎么迁移过去？|"
   "聊天记录能保存多久？会不会自动删除？|手机上的聊天记录怎么备份到电脑？",
   w=1.2,
   en="How can I export my chat history?|How do I move my chat history to a new laptop?",
   en_titles="Export chat history?")
_I("false_no_notify", IM, "message", "consultation", "complaint", "normal",
   "收不到消息提醒是bug吗|消息没有提示音|突然没有通知了",
   "这两天突然收不到任何消息提醒了，是不是出bug了？|群消息完全没有提示音，是不是新版本有问题？|"
   "消息来了不响也不震动，别的App都正常，你们是不是有bug？|电脑端的消息弹窗突然没了，是坏了吗？",
   w=1.1, false_report=True,
   en="Suddenly no notification sounds at all - is this a bug?|Message pop-ups on desktop stopped working, broken?",
   en_titles="Notifications stopped?")
_I("false_read_receipt", IM, "message", "consultation", "complaint", "minor",
   "已读回执不见了|看不到对方是否已读",
   "已读未读的标记突然没了，是不是出bug了？|发的消息看不到对方有没有读，之前都有的，是不是坏了？|"
   "单聊里的已读提示怎么没了？",
   w=0.6, false_report=True)
_I("false_add_contact", IM, "other", "consultation", "complaint", "minor",
   "加不了外部联系人|搜不到外部联系人",
   "加不了外部联系人，点了没反应，是bug吗？|搜客户的手机号搜不到人，是不是系统有问题？|添加好友按钮是灰色的，是不是出故障了？",
   w=0.6, false_report=True)
_I("praise_msg_fast", IM, "message", "performance", "praise", "minor",
   "消息同步很快|消息秒到|同步速度提升明显",
   "新版本消息同步很快，电脑手机秒同步|消息再也没有延迟了，一点都不卡|升级后打开会话快多了，翻记录也不卡|"
   "弱网下消息也能很快发出去，体验提升很明显|多端同步做得很好，电脑上读过手机上就不提醒了",
   w=1.0,
   en="Messages sync instantly between phone and laptop now|No more lag when scrolling chats",
   en_titles="Much faster now")
_I("suggest_schedule_send", IM, "message", "function", "suggestion", "minor",
   "希望支持定时发送|建议增加定时消息|希望支持消息提醒",
   "希望增加消息定时发送功能，经常晚上想好第二天早上再发|能不能支持定时消息？给海外同事发消息要算时差|"
   "建议增加消息稍后提醒功能，看到了但现在没空处理|希望能把消息直接转成待办",
   w=0.9,
   en="Please add scheduled send for messages|Would love a remind-me-later option on messages",
   en_titles="Feature request: scheduled send")
_I("suggest_translate", IM, "message", "function", "suggestion", "minor",
   "希望增加消息翻译|建议支持一键翻译",
   "能不能支持消息一键翻译，和海外同事沟通用得到|希望增加聊天内自动翻译，外贸业务天天要用|建议翻译支持日语和韩语",
   w=0.6,
   en="Please add built-in message translation|Auto-translate for chats with our China team would be great",
   en_titles="Translation please")
_I("suggest_markdown", IM, "message", "experience", "suggestion", "minor",
   "希望支持Markdown|建议支持代码块|消息格式建议",
   "发消息能不能支持Markdown和代码块，技术团队很需要|希望长消息可以折叠显示|建议支持消息内加粗和列表",
   w=0.6,
   en="Markdown and code blocks in messages, please|Let us format messages with bold and lists",
   en_titles="Markdown support")

# ---- IM: group ---------------------------------------------------------------
_I("group_file_download_fail", IM, "file", "function", "complaint", "major",
   "群文件无法下载|群文件下载失败|群文件打不开",
   "群文件{freq}下载失败，提示网络错误|群文件下载到99%就卡住|群里的文件点开一直转圈，下载不下来|"
   "群文件下载提示文件不存在，但别人能下|群文件列表{freq}加载不出来，一片空白",
   scenes=("vpn", "weak", "bigfile"), w=1.6,
   steps=["进入任意群聊，打开群文件|选择一个文件点击下载|观察下载进度"],
   en="Group files fail to download with a network error|Downloads from group files get stuck at 99%",
   en_titles="Can't download group files")
_I("group_big_lag", IM, "group", "performance", "complaint", "major",
   "大群消息卡顿|大群很卡|进大群加载慢",
   "大群里消息刷得太快，整个App都卡住了|进大群要等好几秒才能加载出来|大群里{freq}卡到输入框都点不动|"
   "大群一有人@所有人，手机就卡一下",
   scenes=("biggroup",), force_scope="scenario", w=1.1,
   en="The app freezes in big groups when messages flood in|Large groups take forever to load",
   en_titles="Big groups are laggy")
_I("group_at_all", IM, "group", "function", "complaint", "normal",
   "@所有人不生效|@我没有提醒|群提醒异常",
   "@所有人以后{freq}有人收不到提醒|群里@我没有提醒，翻记录才看到|@人的时候成员列表{freq}搜不到人|"
   "设置了群提醒，到点了没有任何通知",
   scenes=("biggroup", "background"), w=1.0,
   en="@mentions in groups don't notify me|@all doesn't reach everyone",
   en_titles="@mentions not working")
_I("group_member_list", IM, "group", "performance", "complaint", "normal",
   "群成员列表加载慢|群成员显示不全",
   "群成员列表加载很慢，500多人要转圈十几秒|群成员列表{freq}显示不全，要退出重进|群管理里搜索成员很卡",
   scenes=("biggroup",), w=0.7)
_I("group_announcement", IM, "group", "experience", "complaint", "minor",
   "群公告不显眼|群公告编辑太简陋",
   "群公告发了大家都说没看到，入口太不显眼了|群公告编辑页面太简陋，不能调格式|群公告不能置顶，很快就被消息刷下去了",
   w=0.7)
_I("group_settings_deep", IM, "group", "experience", "complaint", "minor",
   "群设置入口深|改群名太麻烦|群管理不好找",
   "想改个群名要点好几层，设置入口太深了|群管理的设置藏得太深，找了半天|设置群管理员要进三级菜单，太绕了|"
   "踢人要先找到成员列表再长按，操作太绕",
   w=0.8)
_I("group_question", IM, "group", "consultation", "question", "minor",
   "怎么转让群主|群人数上限|怎么建群",
   "请问怎么转让群主？原群主要离职了|群人数上限是多少？怎么扩容？|怎么把一个群的人一次性拉到新群？|"
   "怎么设置只有群主能发言？|群解散了以后聊天记录还能找回吗？",
   w=1.0,
   en="How do I transfer group ownership?|What's the member limit for a group?",
   en_titles="Group owner transfer?")
_I("group_suggest", IM, "group", "function", "suggestion", "minor",
   "希望群聊支持接龙|建议增加群投票|群功能建议",
   "希望群聊增加接龙功能|能不能支持群内匿名投票|建议增加群消息只看@我的筛选|希望支持群待办，可以指派给具体的人|"
   "建议群里能设置禁言时段",
   w=0.9,
   en="Could we get polls in group chats?|Please add a filter to show only messages that mention me",
   en_titles="Group chat ideas")
_I("praise_group_call", IM, "video", "experience", "praise", "minor",
   "群通话新布局好看|群视频体验不错",
   "新版群通话布局清爽多了，谁在说话一目了然|群视频十几个人也一点都不卡|群通话里举手功能很实用",
   w=0.7,
   en="Love the new group call layout|Group video calls are smooth even with 12 people",
   en_titles="Love the new layout")

# ---- IM: file ----------------------------------------------------------------
_I("file_upload_slow", IM, "file", "performance", "complaint", "normal",
   "文件上传慢|大文件传输失败|传文件速度慢",
   "传文件速度太慢了，几十兆的文件要传好几分钟|上传大文件{freq}传到一半失败，又要从头开始|"
   "发视频文件{freq}卡在0%不动|文件上传没有断点续传，网络一抖就白传了",
   scenes=("bigfile", "weak", "vpn"), w=1.2,
   en="Uploading files is painfully slow|Large uploads fail halfway and restart from zero",
   en_titles="Slow file uploads")
_I("file_preview", IM, "file", "function", "complaint", "normal",
   "文件预览失败|Excel预览空白|PPT预览乱码",
   "Excel文件在线预览{freq}显示空白|PDF预览只能看前几页|PPT预览格式全乱了|压缩包预览不了，必须下载|"
   "Word文档预览中文全是乱码",
   w=1.0,
   en="Excel previews show up blank|PDF preview only shows the first few pages",
   en_titles="File preview broken")
_I("false_file_expired", IM, "file", "consultation", "complaint", "minor",
   "文件过期下载不了|文件被删除了吗",
   "文件过期了下载不了，是bug吗？才发了一个月|群里的文件显示已失效，是不是系统出问题了？|发给客户的文件对方说打不开，是不是坏了？",
   w=0.6, false_report=True)
_I("file_question", IM, "file", "consultation", "question", "minor",
   "下载的文件存哪了|修改下载位置|文件大小限制",
   "请问下载的文件默认存在哪个目录？找不到了|怎么修改文件默认下载位置？|单个文件最大能发多大？|"
   "云盘空间满了怎么扩容？",
   w=0.9,
   en="Where are downloaded files saved by default?|What's the max file size I can send?",
   en_titles="Download location?")
_I("file_suggest", IM, "file", "function", "suggestion", "minor",
   "希望支持文件夹上传|建议云盘和聊天打通",
   "能不能支持直接拖一个文件夹上传？|希望云盘和聊天文件能打通|建议文件支持多人在线编辑|希望发文件时可以自动压缩图片",
   w=0.7)

# ---- IM: voice / video -------------------------------------------------------
_I("voice_msg_pause", IM, "voice", "function", "complaint", "normal",
   "语音消息不能暂停|长语音不能拖进度|语音播放体验差",
   "语音消息不能暂停，听到一半只能从头再来|长语音不能拖进度条，太不方便了|语音消息听的时候切出去就停了，回来又得重听|"
   "连续的语音消息不能自动播放下一条",
   w=1.0, plats=MOBILE,
   en="Voice messages can't be paused|No way to scrub through long voice messages",
   en_titles="Can't pause voice messages")
_I("voice_to_text", IM, "voice", "function", "complaint", "normal",
   "语音转文字失败|语音转文字不准",
   "语音转文字{freq}转不出来，一直显示转换中|语音转文字准确率很低，带点口音就全错|中英混着说转文字就乱了",
   scenes=("weak",), w=0.8)
_I("voice_volume", IM, "voice", "function", "complaint", "normal",
   "语音消息声音小|听筒外放切换失败",
   "播放语音消息时贴近耳朵没有切到听筒|语音消息声音特别小，开到最大也听不清|语音消息{freq}从耳机跳回外放，很尴尬",
   scenes=("bt",), w=0.8, plats=MOBILE)
_I("voice_call_drop", IM, "voice", "performance", "complaint", "major",
   "语音通话掉线|通话断断续续|通话延迟大",
   "语音通话{freq}掉线，说着说着就断了|语音通话延迟很大，两个人老抢话|通话声音断断续续，像信号不好的对讲机|"
   "打语音电话对方{freq}听不到我说话",
   scenes=("weak", "bt", "vpn"), w=1.2,
   en="Voice calls keep dropping|Huge lag on voice calls, we keep talking over each other",
   en_titles="Calls keep dropping")
_I("video_call_freeze", IM, "video", "performance", "complaint", "major",
   "视频通话卡顿|视频画质模糊|视频通话花屏",
   "视频通话画面{freq}卡住，声音还在|视频通话画质很糊，像打了马赛克|视频通话{freq}花屏，绿一块紫一块|"
   "一对一视频的时候对方画面一顿一顿的",
   scenes=("weak", "peak"), w=1.1,
   en="Video freezes during calls while audio keeps going|Video quality is really blurry",
   en_titles="Video freezing")
_I("video_call_camera", BOTH, "video", "function", "complaint", "major",
   "摄像头打不开|摄像头被占用|无法切换摄像头",
   "视频时摄像头打不开，提示设备被占用|前后摄像头切换不了|开了摄像头对方看到的是黑的|摄像头画面是倒过来的",
   scenes=("multiscreen",), w=0.9,
   en="Camera won't turn on, says the device is in use|Other side sees a black image from my camera",
   en_titles="Camera not working")

# ---- both: crash / login / resource usage -----------------------------------
_I("crash", BOTH, "other", "function", "complaint", "critical",
   "闪退|一打开就闪退|频繁闪退|App崩溃",
   "打开App{freq}闪退|点开聊天就闪退，根本用不了|一启动就闪退|切换账号的时候直接闪退|发图片的时候{freq}闪退|"
   "从通知栏点进来就闪退|开着用十分钟左右{freq}自动闪退|点开个人设置页面闪退",
   scenes=("background", "largehistory", "bigfile"), w=2.4,
   steps=["打开{pname}|进入首页或会话列表|点开任意会话或设置页|App闪退回到桌面"],
   en="The app crashes on launch|It crashes as soon as I open a chat|App keeps crashing when I send photos",
   en_titles="Crashes constantly|Keeps crashing")
_I("login_fail", BOTH, "other", "function", "complaint", "critical",
   "无法登录|登录失败|一直登录不上|扫码登录失败",
   "无法登录，一直提示网络异常|输入验证码后一直转圈登不进去|扫码登录{freq}失败，二维码刷新了也不行|"
   "登录提示账号异常，但账号明明是正常的|SSO单点登录跳转回来就白屏|登录后马上被踢下线，提示在其他设备登录",
   scenes=("vpn", "peak", "weak"), w=2.0,
   steps=["打开{pname}登录页|输入账号密码或扫码|点击登录后观察结果"],
   en="Can't log in, it keeps saying network error|SSO login redirects back to a blank screen|"
      "Stuck on the spinner after entering the verification code",
   en_titles="Can't log in|Login broken")
_I("battery", BOTH, "other", "performance", "complaint", "normal",
   "耗电快|后台耗电严重|太费电了",
   "后台耗电特别快，一天要充两次电|手机放一晚上，企信耗了30%的电|电池用量里企信{freq}排第一|"
   "装了企信以后续航明显变短了",
   scenes=("background", "meeting"), w=1.3, plats=MOBILE,
   en="Battery drain is terrible, even in the background|The app is always at the top of my battery usage",
   en_titles="Battery drain")
_I("heat", BOTH, "other", "performance", "complaint", "normal",
   "手机发热|发烫严重",
   "用一会儿手机就发烫|视频的时候手机烫得拿不住|放在口袋里手机都是热的，后台不知道在干嘛",
   scenes=("meeting", "longtime"), w=0.9, plats=MOBILE)
_I("memory", BOTH, "other", "performance", "complaint", "normal",
   "占内存|内存占用高|缓存太大",
   "电脑端占内存太大了，挂着就2个G|客户端越用越卡，看任务管理器内存一直涨|缓存占了十几个G，清理了过几天又满了|"
   "开着企信别的软件都卡，CPU{freq}飙到百分之五六十",
   scenes=("longtime", "largehistory"), w=1.2, plats=DESKTOP,
   en="The desktop client eats 2GB of RAM|Memory usage keeps growing until I restart",
   en_titles="Memory hog")
_I("startup_slow", IM, "other", "performance", "complaint", "normal",
   "启动慢|打开很慢|启动页卡住",
   "启动要十几秒，一直停在启动页|每次打开都要转圈加载很久|冷启动比以前慢了很多|开机自启以后电脑半天缓不过来",
   w=0.9,
   en="Startup takes 10+ seconds|Stuck on the splash screen every morning",
   en_titles="Slow startup")
_I("peak_connect", BOTH, "other", "performance", "complaint", "major",
   "高峰期连不上|早上登录慢|连接服务器失败",
   "一到高峰期就连不上服务器，一直显示连接中|早上上班时间登录特别慢，转圈转半天|整点的时候{freq}提示服务器繁忙|"
   "高峰期收发消息都要等好久",
   scenes=("peak",), force_scope="scenario", w=1.2,
   en="Can't connect during peak hours, stuck on connecting|Server busy errors every morning at 9",
   en_titles="Can't connect at peak time")
_I("disconnect", BOTH, "other", "performance", "complaint", "major",
   "掉线|自动断开|经常需要重新登录",
   "{freq}自动掉线，要重新登录|电脑端{freq}显示网络已断开，但网是好的|睡眠唤醒以后一直连不上，必须重启客户端|"
   "状态一会儿在线一会儿离线",
   scenes=("weak", "vpn", "longtime"), w=1.3,
   en="The app keeps disconnecting and asks me to log in again|Shows offline even though my internet is fine",
   en_titles="Random disconnects")

# ---- experience (IM + meeting shared) ---------------------------------------
_I("ui_button_hidden", BOTH, "other", "experience", "complaint", "minor",
   "按钮找不到|入口改了找不到|更新后功能不见了",
   "新版本的设置按钮找不到了，改到哪去了|发送文件的按钮藏在加号里面，找了好久|更新后“更多”按钮不见了|"
   "扫一扫的入口挪位置了，找了半天|通讯录按钮藏到二级页面去了",
   w=1.1,
   en="Can't find the settings button after the redesign|The attach file button is hidden under a plus menu",
   en_titles="Where did the button go?")
_I("ui_convoluted", BOTH, "other", "experience", "complaint", "minor",
   "操作太绕|步骤太多|操作路径长",
   "转发多条消息要点好几步，操作太绕了|想给同事发个文件要点五六下，太绕|退出登录藏在设置的最下面，操作路径太长|"
   "建个会要填一堆东西，操作太繁琐|改个通知铃声要点四五层",
   w=1.1,
   en="Forwarding several messages takes way too many taps|Too many steps just to share a file",
   en_titles="Too many steps")
_I("font_small", BOTH, "other", "experience", "complaint", "minor",
   "字体太小|字看不清|不能调字号",
   "字体太小了，长辈用看不清|聊天字体只能调三档，最大的也不够大|电脑端高分屏上字特别小，调不了|"
   "会议里的字幕字太小了，离远了看不清",
   scenes=("multiscreen",), w=0.9,
   en="Font is way too small on high-res screens|Can't make the chat font bigger",
   en_titles="Font too small")
_I("ui_messy", BOTH, "other", "experience", "complaint", "minor",
   "界面乱|界面太花|深色模式看不清",
   "新版界面太乱了，信息太多不知道先看哪|首页塞了太多入口，花里胡哨|深色模式下有些文字看不清|"
   "图标风格不统一，看着很乱|新版配色太刺眼了",
   w=1.0,
   en="The new UI is cluttered|Some text is unreadable in dark mode",
   en_titles="Cluttered UI")
_I("settings_deep", BOTH, "other", "experience", "complaint", "minor",
   "设置入口深|设置不好找",
   "通知设置藏得太深了，要点四五层|修改头像的入口太难找|隐私设置不知道在哪|快捷键设置翻了半天才找到",
   w=0.8)
_I("praise_service", BOTH, "other", "experience", "praise", "minor",
   "客服响应快|客服很耐心|工单处理及时",
   "客服响应很快，问题十分钟就解决了|在线客服很耐心，一步一步教我设置|提了个工单当天就有人回复|"
   "客户成功经理跟进很及时",
   w=1.2,
   en="Support replied within 10 minutes and fixed it|Really patient support team",
   en_titles="Great support")
_I("praise_general", BOTH, "other", "experience", "praise", "minor",
   "整体好用|简洁好用|稳定",
   "整体挺好用的，比之前用的工具稳定|界面简洁，老人也会用|用了半年一次没崩过|新版本界面清爽多了|"
   "手机电脑切换无缝衔接，很方便",
   w=1.3,
   en="Clean and reliable, way better than our old tool|The new design is much cleaner",
   en_titles="Solid app")
_I("consult_multi_device", BOTH, "other", "consultation", "question", "minor",
   "多端登录|多设备同时在线",
   "请问可以同时在两台电脑上登录吗？|手机和平板能同时在线吗？|怎么退出其他设备的登录？|网页版和客户端能一起用吗？",
   w=0.9,
   en="Can I stay logged in on two computers?|How do I sign out of other devices?",
   en_titles="Multiple devices?")
_I("consult_account", BOTH, "other", "consultation", "question", "minor",
   "怎么换绑手机号|忘记密码|注销账号",
   "怎么换绑手机号？|忘记密码了怎么找回？|怎么注销账号？|怎么修改显示的名字？|换了部门以后怎么改组织信息？",
   w=0.9,
   en="How do I change the phone number on my account?|I forgot my password, how do I reset it?",
   en_titles="Account question")
_I("suggest_ui", BOTH, "other", "experience", "suggestion", "minor",
   "希望支持深色模式|自定义快捷键|状态设置",
   "希望电脑端也能支持深色模式|能不能支持自定义快捷键|建议增加状态设置，比如开会中、请假中|希望可以自定义侧边栏|"
   "希望字体大小可以单独调",
   w=1.0,
   en="Dark mode on desktop please|Let us customize keyboard shortcuts",
   en_titles="Dark mode please")

# ---- meeting -----------------------------------------------------------------
_I(HOTSPOT_ISSUE, MT, "video", "function", "complaint", "major",
   "屏幕共享黑屏|共享屏幕对方看到黑屏|共享PPT黑屏",
   "屏幕共享{freq}黑屏，对方只能看到一片黑|共享屏幕后参会人那边看到的是黑屏，声音正常|"
   "共享PPT的时候对面全黑，切换成共享窗口也一样|共享屏幕一开始正常，几分钟后变成黑屏|"
   "我这边显示正在共享，其他人说是黑的|共享浏览器窗口黑屏，共享桌面就可以",
   scenes=("multiscreen", "meeting"), w=0.8, plats=DESKTOP + ["web"],
   steps=["发起或加入一个会议|点击共享屏幕，选择整个桌面或某个窗口|让其他参会人查看共享画面"],
   en="Screen sharing goes black|Attendees only see a black screen when I share|"
      "Sharing a PowerPoint shows black to everyone else",
   en_titles="Screen share is black|Black screen when sharing")
_I("meeting_echo", MT, "voice", "performance", "complaint", "normal",
   "会议回声|会议杂音|电流声",
   "开会时有回声，自己说话会听到自己的声音|会议里有滋滋的电流声|别人说话声音忽大忽小|降噪开了反而把人声也吃掉了",
   scenes=("bt", "meeting", "multiscreen"), w=1.1,
   en="Echo in meetings, I hear my own voice|Buzzing noise during calls",
   en_titles="Echo in meetings")
_I("meeting_no_audio", MT, "voice", "function", "complaint", "major",
   "会议听不到声音|麦克风没声音|对方听不到我",
   "入会后听不到别人说话，也没人听到我|麦克风明明开着，对方说听不到|会议中途突然没声音了，要重新入会|"
   "连了会议室设备以后没有声音",
   scenes=("bt", "multiscreen"), w=1.3,
   en="No audio after joining a meeting|My mic is on but nobody can hear me",
   en_titles="No audio in meetings")
_I("meeting_video_lag", MT, "video", "performance", "complaint", "major",
   "会议视频卡顿|画面卡成PPT|音画不同步",
   "会议视频{freq}卡顿，画面一顿一顿的|视频延迟很大，嘴型和声音对不上|人一多视频就卡成PPT|"
   "共享屏幕时对方看到的画面延迟好几秒",
   scenes=("peak", "weak", "longtime"), w=1.5,
   en="Meeting video stutters constantly|Audio and video are out of sync|Video turns into a slideshow with 20+ people",
   en_titles="Laggy video")
_I("meeting_drop", MT, "video", "performance", "complaint", "major",
   "会议掉线|开会被踢出|入会后断开",
   "开会开着开着就掉线了，重新入会又要等很久|会议中{freq}提示网络不稳定然后被踢出来|主持人掉线后整个会议都结束了",
   scenes=("weak", "longtime", "vpn"), w=1.3,
   en="I keep getting dropped from meetings|The meeting kicks me out with a network unstable warning",
   en_titles="Dropped from meetings")
_I("meeting_join_fail", MT, "video", "function", "complaint", "critical",
   "无法入会|会议链接打不开|入会失败",
   "点会议链接入不了会，一直卡在连接中|输入会议号提示会议不存在，但别人能进|入会就闪退|"
   "外部嘉宾通过链接进不来，一直在等候室",
   scenes=("peak", "vpn"), w=1.3,
   steps=["收到会议邀请链接|点击链接或输入会议号|观察入会过程"],
   en="Can't join meetings from the invite link|Says the meeting doesn't exist but others can join",
   en_titles="Can't join meetings")
_I("meeting_record", MT, "file", "function", "complaint", "normal",
   "录制失败|找不到录制文件|录制没画面",
   "云录制结束后找不到录制文件|会议录制只有声音没有画面|本地录制的文件打不开|录制文件生成要等好几个小时",
   scenes=("longtime",), w=0.9,
   en="Cloud recordings never show up after the meeting|Recording has audio but no video",
   en_titles="Recording missing")
_I("meeting_beauty", MT, "video", "experience", "complaint", "minor",
   "虚拟背景效果差|美颜没效果",
   "虚拟背景边缘抖得厉害，头发都被抠掉了|美颜开了没效果|虚拟背景图片只能用自带的几张|开了背景虚化人脸也跟着糊",
   w=0.7)
_I("meeting_ui", MT, "other", "experience", "complaint", "minor",
   "会议按钮太多|工具栏挡内容|结束和离开容易点错",
   "会议中的按钮太多了，找静音要找半天|共享屏幕时工具栏挡住了内容|参会人列表入口太深，想看谁在会上很麻烦|"
   "结束会议和离开会议按钮挨太近，老是点错|会议聊天窗口太小了",
   w=1.0,
   en="Too many buttons in the meeting toolbar|The floating toolbar covers my shared content",
   en_titles="Meeting UI")
_I("meeting_question", MT, "other", "consultation", "question", "minor",
   "怎么预约会议|会议人数上限|会议密码",
   "请问怎么预约周期性会议？|会议最多支持多少人？|怎么设置会议密码？|外部人员没有账号能入会吗？|"
   "怎么把会议录制分享给没参会的同事？|会议可以转给别人主持吗？",
   w=1.3,
   en="How do I schedule a recurring meeting?|Can external guests join without an account?|What's the participant limit?",
   en_titles="Recurring meetings?")
_I("meeting_false", MT, "video", "consultation", "complaint", "normal",
   "摄像头打不开是bug吗|入会后无法解除静音|共享按钮是灰的",
   "开会时摄像头打不开，是不是软件的bug？|入会后一直是静音，自己解除不了，是不是坏了？|"
   "共享屏幕按钮是灰的点不了，是bug吧？|会议里看不到聊天框，新版本把它删了吗？",
   w=1.0, false_report=True,
   en="Can't unmute myself after joining - bug?|Share screen button is greyed out, is this broken?",
   en_titles="Can't unmute?")
_I("meeting_praise", MT, "video", "performance", "praise", "minor",
   "视频很流畅|降噪好|画质清楚",
   "新版本视频很流畅，一点都不卡|降噪效果很好，旁边装修都听不到|开了50人的会一点都不卡|画质比之前清楚多了|"
   "弱网下开会也没有掉线，很稳|共享屏幕很清晰，没有延迟",
   w=1.5,
   en="Video is super smooth in the new version|Noise cancellation is amazing|50-person meeting, zero lag",
   en_titles="Smooth video")
_I("meeting_praise_feature", MT, "other", "experience", "praise", "minor",
   "会议纪要好用|字幕功能实用",
   "会议纪要自动生成太方便了|实时字幕很准，开跨部门会省事多了|日历一键入会很方便|会后自动发录制链接很贴心",
   w=0.8,
   en="Auto-generated meeting notes are a lifesaver|Live captions are surprisingly accurate",
   en_titles="Love the meeting notes")
_I("meeting_suggest", MT, "video", "function", "suggestion", "minor",
   "希望增加实时字幕|会中分组讨论|会议纪要同步",
   "希望增加会议实时字幕翻译|能不能支持会中分组讨论|建议会议纪要可以直接同步到群里|希望能支持同时共享两个屏幕|"
   "希望能在会议里直接发起投票|建议支持会议录制自动转文字",
   w=1.1,
   en="Please add breakout rooms|Would love live caption translation|Let us share two screens at once",
   en_titles="Breakout rooms please")
_I("meeting_bt", MT, "voice", "function", "complaint", "major",
   "蓝牙耳机没声音|蓝牙麦克风不能用",
   "连蓝牙耳机入会后没有声音，只能外放|蓝牙耳机的麦克风用不了，对方听不到|开会途中耳机断开后声音就没了",
   scenes=("bt",), force_scope="scenario", w=1.0,
   en="No sound through Bluetooth earbuds in meetings|Bluetooth headset mic doesn't work",
   en_titles="Bluetooth audio broken")
_I("meeting_peak", MT, "other", "performance", "complaint", "major",
   "高峰期进不去会议|整点入会慢",
   "周一早上九点开例会的时候{freq}进不去会议|整点的时候入会要等一分多钟|上午十点整大家同时入会，一直转圈",
   scenes=("peak",), force_scope="scenario", w=0.9)
_I("meeting_heat", MT, "other", "performance", "complaint", "normal",
   "开会发热耗电|CPU占用高|风扇狂转",
   "开一个小时会手机烫得不行，电量掉了40%|电脑风扇狂转，CPU占用百分之八九十|开会的时候别的软件都卡死了",
   scenes=("longtime", "meeting"), w=1.0,
   en="CPU goes to 90% during meetings and the fan screams|My phone gets hot and loses 40% battery in an hour-long call",
   en_titles="High CPU in meetings")
_I("timezone", BOTH, "message", "function", "complaint", "normal",
   "时区显示错误|时间不对",
   "会议邀请显示的是北京时间，不是本地时间|消息时间戳和本地时间差了好几个小时",
   w=0.2,
   en="Meeting invites show China time instead of my local time|Message timestamps are off by several hours",
   en_titles="Wrong time zone")

_ISSUE_BY_KEY = {i["key"]: i for i in ISSUES}

_SEV_ORDER = ["minor", "normal", "major", "critical"]


def _bump(sev: str, delta: int) -> str:
    i = max(0, min(3, _SEV_ORDER.index(sev) + delta))
    return _SEV_ORDER[i]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

class _Picker:
    """Fast weighted choice with precomputed cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = []
        acc = 0.0
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def __call__(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _wchoice(rng, items, weights):
    total = sum(weights)
    x = rng.random() * total
    acc = 0.0
    for it, w in zip(items, weights):
        acc += w
        if x < acc:
            return it
    return items[-1]


_INTENT_BOOST = {"complaint": 1.0, "question": 1.6, "praise": 1.5, "suggestion": 1.5}


def _iw(i):
    w = i["w"] * _INTENT_BOOST[i["intent"]]
    return w * 1.25 if (i["type"] == "experience" and i["intent"] == "complaint") else w


_ISSUE_PICK_ZH = _Picker(ISSUES, [_iw(i) for i in ISSUES])
_EN_ISSUES = [i for i in ISSUES if i["en"]]
_ISSUE_PICK_EN = _Picker(_EN_ISSUES, [_iw(i) for i in _EN_ISSUES])

_CHANNEL_W = {
    # in_app, ticket, community, app_store, social, sales
    "complaint": [34, 16, 14, 16, 13, 7],
    "question": [40, 22, 26, 2, 4, 6],
    "suggestion": [30, 8, 30, 8, 10, 14],
    "praise": [18, 2, 10, 45, 20, 5],
}
_CHANNEL_PICK = {k: _Picker(CHANNELS, v) for k, v in _CHANNEL_W.items()}
_CHANNEL_PLATS = {
    "in_app": (PLATFORMS, [30, 28, 22, 12, 8]),
    "ticket": (PLATFORMS, [15, 15, 40, 15, 15]),
    "community": (PLATFORMS, [20, 22, 30, 14, 14]),
    "app_store": (["ios", "android", "macos"], [48, 44, 8]),
    "social": (PLATFORMS, [40, 36, 12, 8, 4]),
    "sales": (PLATFORMS, [15, 12, 45, 18, 10]),
}


def _hour(rng):
    return bisect.bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])


def _pick_time(rng, day_fn, lo, hi, tz_hours=8):
    """Sample an aware UTC datetime in [lo, hi]: weekdays busier, office hours busier."""
    tz = CST if tz_hours == 8 else _dt.timezone(_dt.timedelta(hours=tz_hours))
    for _ in range(40):
        d = day_fn()
        if d.weekday() >= 5 and rng.random() > 0.42:
            continue
        h = min(23, _hour(rng))
        dt = _dt.datetime(d.year, d.month, d.day, h, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        if lo <= dt <= hi:
            return dt.astimezone(UTC)
    span = (hi - lo).total_seconds()
    return (lo + _dt.timedelta(seconds=rng.random() * span)).astimezone(UTC)


def _build_no(version: str, platform: str) -> int:
    parts = [int(p) for p in version.split(".")]
    base = 1000 + parts[1] * 173 + parts[2] * 29
    return base + 7 * PLATFORMS.index(platform)


def _raw_version(rng, version: str, platform: str) -> str:
    b = _build_no(version, platform)
    r = rng.random()
    if version.endswith(".0") and r < 0.06:
        return ("V" if rng.random() < 0.6 else "v") + version[:-2]
    if platform == "ios":
        return _wchoice(rng, [version, f"{version} ({b})", f"v{version} ({b})"], [4, 4, 2])
    if platform == "android":
        return _wchoice(rng, [f"{version}.{b}", version, f"v{version}", f"V{version}"], [5, 3, 1, 1])
    if platform == "windows":
        return _wchoice(rng, [f"{version}.{b}", f"V{version}", f"v{version} ({b})", version], [5, 2, 2, 1])
    if platform == "macos":
        return _wchoice(rng, [f"{version} ({b})", version, f"v{version}"], [5, 3, 1])
    return _wchoice(rng, [version, f"web-{version}", f"v{version}"], [5, 3, 2])


def _unknown_version(rng, version: str, known: set) -> str:
    maj, mi, pa = (int(x) for x in version.split("."))
    for cand in (f"{maj}.{mi + 1}.0-beta", f"{maj}.{mi}.{pa + 1}-beta", f"{maj}.{mi + 1}.0-rc{rng.randint(1, 3)}",
                 f"{maj}.{mi}.{pa + 2}-dev"):
        if not any(k in cand for k in known):
            return cand
    return f"{maj}.{mi}.{pa}9-beta"


# ---------------------------------------------------------------------------
# Reporters
# ---------------------------------------------------------------------------

class _Reporters:
    def __init__(self, rng):
        self.rng = rng
        self.pool: dict[tuple, list] = {}
        self.seq = 0

    def get(self, channel: str, locale: str, name_hint: str | None = None) -> dict:
        rng = self.rng
        key = (channel, locale)
        pool = self.pool.setdefault(key, [])
        if name_hint is None and pool and rng.random() < (0.55 if channel == "sales" else 0.2):
            return dict(rng.choice(pool))
        self.seq += 1
        n = self.seq
        en = locale == "en-US"
        if name_hint:
            name = name_hint
        elif channel == "sales":
            name = (rng.choice(["Kevin", "Grace", "Jason", "Vivian"]) if en
                    else rng.choice(SALES_NAMES) + rng.choice(["经理", "总监", "顾问"]))
        elif en:
            name = rng.choice(EN_NAMES)
        elif channel in ("social", "app_store", "community") and rng.random() < 0.75:
            name = rng.choice(NICKS) + (str(rng.randint(1, 999)) if rng.random() < 0.5 else "")
        elif rng.random() < 0.7:
            name = rng.choice(SURNAMES) + rng.choice(TITLES_ZH)
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if channel == "in_app":
            ext = f"u{100000 + n * 37 % 900000:06d}"
        elif channel == "ticket":
            ext = f"cust-{10000 + n:05d}"
        elif channel == "community":
            ext = f"bbs_{n:05d}"
        elif channel == "app_store":
            ext = f"as_{(n * 2654435761) % (1 << 32):08x}"
        elif channel == "social":
            ext = f"weibo_{(n * 40503) % 10 ** 9:09d}"
        else:
            ext = f"sales-{n % 900 + 100}"
        r = rng.random()
        if channel == "sales":
            contact = f"sales{n % 900 + 100}@qixin.example.com"
        elif channel == "social":
            contact = "@" + (name.replace(" ", "_") if en else f"qx_fan{n}")
        elif r < 0.45 or en:
            contact = f"user{n:05d}@{rng.choice(['example.com', 'corp.example.cn', 'mail.example.net'])}"
        elif r < 0.8:
            contact = f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        else:
            contact = f"qx_{n:06d}"
        rep = {"external_id": ext, "name": name, "contact": contact}
        pool.append(rep)
        return dict(rep)


# ---------------------------------------------------------------------------
# Text rendering
# ---------------------------------------------------------------------------

def _end(text: str, mark: str = "。") -> str:
    if text and text[-1] in "。！？!?~～）)":
        return text
    return text + mark


def _strip_end(text: str) -> str:
    while text and text[-1] in "。！？!?，,":
        text = text[:-1]
    return text


def _ctx_zh(rng, spec):
    if spec["scope"] == "release" and spec["mention"]:
        return rng.choice(VER_CTX_ZH).format(v=spec["mention"])
    if spec["scope"] == "scenario" and spec["scene"]:
        return rng.choice(SCENES[spec["scene"]][0])
    return ""


def _ctx_en(rng, spec):
    if spec["scope"] == "release" and spec["mention"]:
        return rng.choice(VER_CTX_EN).format(v=spec["mention"])
    if spec["scope"] == "scenario" and spec["scene"]:
        return rng.choice(SCENES[spec["scene"]][1])
    return ""


def _render_zh(rng, spec, channel, reword=False):
    iss = spec["issue"]
    intent = iss["intent"]
    pname = spec["pname"]
    core = spec["core"].replace("{freq}", spec["freq"][0])
    if reword:
        core = _reword(rng, core)
    if channel == "sales":
        core = core.replace("我们", "他们").replace("我", "客户")
    is_q = core.endswith("？")
    ctx = _ctx_zh(rng, spec)
    main = ctx + core
    sales = channel == "sales"
    extras = []
    if spec["marker"] == "individual":
        extras.append(rng.choice(IND_MARK_SALES if sales else IND_MARK))
    elif spec["marker"] == "widespread":
        extras.append(rng.choice(WIDE_SALES if sales else WIDE))
    if (intent == "complaint" and not iss["false_report"] and iss["type"] in ("function", "performance")
            and rng.random() < 0.35):
        extras.append(rng.choice(DETAIL_TRIED))
    if is_q:
        body = main + ("".join(_end(e) for e in extras) if extras else "")
    else:
        body = _end("，".join([main] + extras))
    device = spec["device"]
    title_core = rng.choice(iss["titles"])
    title = ""

    emo_list = {"complaint": EMO_COMPLAINT, "praise": EMO_PRAISE, "suggestion": EMO_SUGGEST,
                "question": EMO_QUESTION}[intent]

    if channel == "in_app":
        greet = _wchoice(rng, ["", "你好，", "您好，", "反馈一个问题：", "hi，", "【意见反馈】"], [8, 2, 2, 1, 1, 1])
        if intent != "complaint" and greet == "反馈一个问题：":
            greet = ""
        parts = [greet + body]
        if rng.random() < 0.25:
            parts.append(f"设备是{device}。")
        if rng.random() < 0.6:
            parts.append(_end(rng.choice(emo_list), rng.choice(["。", "！", ""])))
        content = "".join(parts)
    elif channel == "ticket":
        prefix = _wchoice(rng, ["", f"【{pname}】", f"【{PLATFORM_CN[spec['platform']]}】", "[紧急] "],
                          [3, 3, 2, 1 if spec["sev"] == "critical" else 0])
        title = prefix + title_core
        opening = rng.choice(TICKET_OPEN_ZH).format(company=spec["company"])
        env = f"{device}，{spec['network']}，客户端版本 {spec['app_version']}"
        if intent in ("complaint",) and not is_q and rng.random() < 0.7:
            steps = rng.choice(iss["steps"] or GENERIC_STEPS[iss["module"]])
            step_txt = "\n".join(f"{k}. {s.format(pname=pname)}" for k, s in enumerate(steps, 1))
            exp = rng.choice(TICKET_EXPECT[iss["module"]])
            if rng.random() < 0.5:
                head = (opening[:-1] + "。\n") if opening.endswith("，") else (opening + "\n" if opening else "")
                content = (f"{head}问题描述：{body}\n复现步骤：\n{step_txt}\n预期结果：{exp}\n"
                           f"实际结果：{_strip_end(core)}\n环境信息：{env}\n{_end(rng.choice(emo_list))}")
            else:
                content = (f"{opening}{body}\n复现步骤：{'；'.join(f'{k}. {s.format(pname=pname)}' for k, s in enumerate(steps, 1))}\n"
                           f"出现频率：{spec['freq'][0] or '稳定复现'}。影响人数：{rng.choice(['1人', '约10人', '几十人', '整个部门', '未知'])}。\n"
                           f"环境：{env}。{_end(rng.choice(emo_list))}")
        elif intent == "complaint":
            content = (f"{opening}{body}\n{rng.choice(['影响范围：', '涉及人数：'])}"
                       f"{rng.choice(['个别同事', '约10人', '几十人', '整个部门', '暂不清楚'])}。{_end(rng.choice(emo_list))}\n环境：{env}")
        else:
            need = rng.choice(["我们有同事在问", "新员工入职培训要用", "领导让我整理一下操作说明", "客户那边需要", "准备全员推广"])
            content = (f"{opening}{body}\n{need}，{rng.choice(['麻烦告知具体操作步骤', '请给一个说明', '辛苦回复', '请评估一下'])}，谢谢。\n"
                       f"环境：{env}")
    elif channel == "community":
        if intent == "question":
            tpl = rng.choice(COMMUNITY_TITLE_Q)
        elif intent == "suggestion":
            tpl = rng.choice(COMMUNITY_TITLE_S)
        elif intent == "praise":
            tpl = rng.choice(COMMUNITY_TITLE_P)
        else:
            tpl = rng.choice(COMMUNITY_TITLE)
        title = tpl.format(t=title_core)
        opening = rng.choice(COMMUNITY_OPEN) if intent in ("complaint", "question") else ""
        mid = f"楼主用的是{device}，" if rng.random() < 0.3 else ""
        close = rng.choice(COMMUNITY_CLOSE) if intent == "complaint" else rng.choice(emo_list)
        content = f"{opening}{mid}{body}{_end(close, rng.choice(['。', '！', '']))}"
    elif channel == "app_store":
        if intent == "praise":
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_GOOD), title_core], [2, 1])
        elif intent in ("suggestion", "question"):
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_MID), title_core], [2, 1])
        else:
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_BAD), title_core], [1, 2])
        if rng.random() < 0.45:
            content = _end(_strip_end(main), rng.choice(["！", "。", "", "!!"]))
        else:
            content = body + _end(rng.choice(emo_list), rng.choice(["！", "", "。"]))
    elif channel == "social":
        tag = rng.choice(HASHTAGS)
        mention = rng.choice(["@企信 ", "@企信官方 ", "", ""])
        if intent == "praise":
            content = f"{rng.choice(HASHTAGS_GOOD)}{mention}{_strip_end(body)}，{rng.choice(SLANG_PRAISE)}{rng.choice(EMOJI_GOOD)}{rng.choice(EMOJI_GOOD)}"
        elif intent == "complaint":
            content = (f"{tag}{rng.choice(SLANG_OPEN)}{mention}{_strip_end(body)}，{rng.choice(SLANG)}"
                       f"{rng.choice(EMOJI_BAD)}{rng.choice(EMOJI_BAD) if rng.random() < 0.4 else ''}")
        else:
            content = f"{tag}{mention}{body}{rng.choice(['有没有人知道', '求助', '许个愿', ''])}{rng.choice(['🙏', '🤔', '', '😂'])}"
    else:  # sales
        intro = rng.choice(SALES_INTRO).format(company=spec["company"], industry=INDUSTRY_OF[spec["company"]],
                                               seats=rng.choice(SEATS))
        if intent == "praise":
            content = f"{intro}{_strip_end(body)}，对{rng.choice(['新版本', '这次更新', '我们的服务'])}很满意，续约意向比较强。"
        elif intent == "suggestion":
            content = f"{intro}提了一个需求：{_strip_end(body)}。这个对他们比较重要，{rng.choice(SALES_ASK)}"
        elif intent == "question":
            content = f"{intro}咨询：{body}麻烦给一个标准答复，我好转达。"
        else:
            content = f"{intro}{body}{rng.choice(SALES_IMPACT)}{rng.choice(SALES_ASK)}"
    return title, content


def _lower_first(s: str) -> str:
    if s.startswith(("I ", "I'", "Excel", "Bluetooth", "PowerPoint", "Markdown", "PDF", "SSO")):
        return s
    if len(s) > 1 and s[0].isupper() and not s[1].isupper():
        return s[0].lower() + s[1:]
    return s


def _render_en(rng, spec, channel, reword=False):
    iss = spec["issue"]
    intent = iss["intent"]
    core = spec["core"]
    if reword:
        core = core.replace("keeps", "keep on").replace("really", "seriously").replace("Can't", "Cannot")
    ctx = _ctx_en(rng, spec)
    q = core.endswith("?")
    tech = iss["type"] in ("function", "performance") and not iss["false_report"]
    freq = spec["freq"][1] if (intent == "complaint" and not q and tech) else ""
    main = (ctx + " " + _lower_first(core) if ctx else core)
    main = main if q else main.rstrip(".") + "."
    extras = [freq] if freq else []
    if spec["marker"] == "individual":
        extras.append(rng.choice(IND_MARK_EN))
    elif spec["marker"] == "widespread":
        extras.append(rng.choice(WIDE_EN))
    if intent == "complaint" and not q and tech and rng.random() < 0.3:
        extras.append(rng.choice(DETAIL_TRIED_EN))
    body = " ".join([main] + extras)
    emo = rng.choice({"complaint": EMO_COMPLAINT_EN, "praise": EMO_PRAISE_EN, "suggestion": EMO_SUGGEST_EN,
                      "question": EMO_QUESTION_EN}[intent])
    title_core = rng.choice(iss["en_titles"]) if iss["en_titles"] else core.rstrip("?.")[:40]
    title = ""
    if channel == "in_app":
        content = body + (" " + emo if rng.random() < 0.6 else "")
    elif channel == "ticket":
        title = ("[Meeting] " if spec["product"] == "meeting" else "[IM] ") + title_core
        if intent == "complaint" and not q:
            content = (f"Description: {body}\nSteps to reproduce:\n1. Open the app and sign in\n"
                       f"2. {rng.choice(['Go to the affected screen', 'Start or join a meeting' if spec['product'] == 'meeting' else 'Open any chat'])}\n"
                       f"3. Observe the issue\nEnvironment: {spec['device']}, {spec['network']}, version {spec['app_version']}\n{emo}")
        else:
            content = f"Hi team, {_lower_first(body)} {emo}\nEnvironment: {spec['device']}, {spec['app_version']}"
    elif channel == "community":
        title = rng.choice([f"{title_core}?", f"Anyone else: {title_core}", f"[Help] {title_core}", title_core])
        greet = rng.choice(['Hi all, ', 'Hey, ', '', 'Quick question: '])
        content = f"{greet}{_lower_first(body) if greet else body} {emo}"
    elif channel == "app_store":
        title = title_core
        content = body if rng.random() < 0.5 else f"{body} {emo}"
    elif channel == "social":
        mention = rng.choice(["@QixinApp ", "@Qixin_Support ", ""])
        if intent == "praise":
            content = f"{mention}{body} {rng.choice(SLANG_PRAISE_EN)} {rng.choice(EMOJI_GOOD)}"
        elif intent == "complaint":
            content = f"{mention}{body} {rng.choice(SLANG_EN)} {rng.choice(EMOJI_BAD)}"
        else:
            content = f"{mention}{body} {rng.choice(['🙏', '🤔', ''])}"
    else:
        content = (f"Customer feedback from a {rng.choice(['bank', 'logistics company', 'retail chain', 'hospital group', 'law firm'])} "
                   f"in {REGION_EN.get(spec['region'], 'APAC')} (~{rng.choice(SEATS)} seats): {body} "
                   f"{rng.choice(['Could product take a look?', 'Please advise, renewal is coming up.', 'Thanks for following up.'])}")
    return title, content.strip()


def _render(rng, spec, channel, reword=False):
    if spec["locale"] == "en-US":
        return _render_en(rng, spec, channel, reword)
    title, content = _render_zh(rng, spec, channel, reword)
    if spec["locale"] == "zh-TW":
        title, content = _to_tw(title), _to_tw(content)
    return title, content


# ---------------------------------------------------------------------------
# Workflow state
# ---------------------------------------------------------------------------

def _status(rng, age_days: float, iss: dict, hot: bool) -> str:
    if hot:
        return _wchoice(rng, ["pending", "in_progress", "verifying"], [45, 45, 10])
    if age_days < 3:
        w = [72, 24, 3, 1]
    elif age_days < 14:
        w = [55, 30, 9, 6]
    elif age_days < 45:
        w = [50, 22, 10, 18]
    elif age_days < 90:
        w = [56, 14, 6, 24]
    else:
        w = [45, 5, 2, 48]
    if iss["intent"] in ("question", "praise") or iss["false_report"]:
        # answered quickly or acknowledged; no engineering work in between
        w = [w[0], w[1] * 0.2, 0, w[3] * 1.2]
    return _wchoice(rng, ["pending", "in_progress", "verifying", "closed"], w)


def _resolution(rng, iss: dict, scope: str, dup: bool) -> str:
    if dup and rng.random() < 0.8:
        return "duplicate"
    typ, intent = iss["type"], iss["intent"]
    if iss["false_report"]:
        return _wchoice(rng, ["answered", "not_reproducible", "duplicate"], [70, 22, 8])
    if typ == "consultation" or intent in ("question", "praise"):
        return _wchoice(rng, ["answered", "duplicate"], [90, 10])
    if intent == "suggestion":
        return _wchoice(rng, ["wont_fix", "fixed", "duplicate", "answered"], [45, 30, 15, 10])
    if typ in ("function", "performance"):
        nr = 30 if scope == "individual" else 12
        return _wchoice(rng, ["fixed", "not_reproducible", "duplicate", "wont_fix"], [62, nr, 15, 8])
    return _wchoice(rng, ["fixed", "wont_fix", "duplicate", "answered"], [40, 30, 15, 15])


def _rating(rng, intent: str, sev: str):
    if intent == "praise":
        return _wchoice(rng, [5, 4], [85, 15])
    if intent == "suggestion":
        return _wchoice(rng, [3, 4, 5], [40, 45, 15])
    if intent == "question":
        return _wchoice(rng, [2, 3, 4], [25, 50, 25])
    if sev == "critical":
        return _wchoice(rng, [1, 2], [85, 15])
    if sev == "major":
        return _wchoice(rng, [1, 2, 3], [60, 30, 10])
    if sev == "normal":
        return _wchoice(rng, [1, 2, 3], [30, 45, 25])
    return _wchoice(rng, [2, 3, 4], [35, 45, 20])


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

def _network(rng, platform, scene):
    if scene == "weak":
        return "弱网"
    if platform in ("ios", "android"):
        return _wchoice(rng, ["wifi", "4G", "5G", "弱网"], [50, 20, 25, 5])
    return _wchoice(rng, ["wifi", "有线", "弱网"], [60, 37, 3])


def generate(n: int, *, seed: int = 7, now: _dt.datetime) -> list[dict]:
    """``n`` believable feedback items (dicts, see module docstring), deterministic for a seed."""
    if n <= 0:
        return []
    now = _aware(now)
    rng = random.Random(seed)
    rels = releases_for(now)
    by_prod = {p["slug"]: [r for r in rels if r["product"] == p["slug"]] for p in PRODUCTS}
    known = {p: {r["version"] for r in rs} for p, rs in by_prod.items()}
    pnames = {p["slug"]: p["name"] for p in PRODUCTS}
    lo = now - _dt.timedelta(days=WINDOW_DAYS)
    today = now.astimezone(CST).date()
    spike_rels = [r for r in rels if lo <= r["released_at"] <= now]
    newest_meeting = by_prod["meeting"][-1]
    hot_lo = max(newest_meeting["released_at"], now - _dt.timedelta(days=14))
    hot_day0 = hot_lo.astimezone(CST).date()
    hot_span = (today - hot_day0).days
    reporters = _Reporters(rng)
    hot_issue = _ISSUE_BY_KEY[HOTSPOT_ISSUE]

    n_dup = int(round(n * 0.05)) if n >= 20 else 0
    items: list[dict] = []

    def uniform_day():
        return today - _dt.timedelta(days=rng.randrange(WINDOW_DAYS + 1))

    for _ in range(n - n_dup):
        r = rng.random()
        locale = "en-US" if r < 0.08 else ("zh-TW" if r < 0.10 else "zh-CN")
        en = locale == "en-US"
        if en:
            region = _wchoice(rng, *REGIONS_EN)
        elif locale == "zh-TW":
            region = "港澳台"
        else:
            region = _wchoice(rng, *REGIONS_ZH)
        tzh = REGION_TZ.get(region, 8)

        mode = rng.random()
        hot = mode < 0.025
        if hot:
            iss, product = hot_issue, "meeting"
        else:
            iss = (_ISSUE_PICK_EN if en else _ISSUE_PICK_ZH)(rng)
            product = iss["products"][0] if len(iss["products"]) == 1 else _wchoice(rng, ["im", "meeting"], [62, 38])
        prels = by_prod[product]

        # time + version
        if hot:
            def hot_day():
                return hot_day0 + _dt.timedelta(days=min(hot_span, int((hot_span + 1) * math.sqrt(rng.random()))))
            t = _pick_time(rng, hot_day, hot_lo, now, tzh)
            rel = newest_meeting
        elif mode < 0.30 and spike_rels:
            cands = [x for x in spike_rels if x["product"] == product] or spike_rels
            rel0 = rng.choice(cands)
            d0 = rel0["released_at"].astimezone(CST).date()

            def spike_day(d0=d0):
                return d0 + _dt.timedelta(days=min(20, int(rng.expovariate(1 / 2.5))))
            t = _pick_time(rng, spike_day, rel0["released_at"], now, tzh)
            rel = rel0
            if rel0["product"] != product:
                avail = [x for x in prels if x["released_at"] <= t]
                rel = avail[-1]
            elif rng.random() < 0.15:
                avail = [x for x in prels if x["released_at"] <= t]
                rel = rng.choice(avail[-3:])
        else:
            t = _pick_time(rng, uniform_day, lo, now, tzh)
            avail = [x for x in prels if x["released_at"] <= t] or prels[:1]
            tail = avail[-5:][::-1]
            rel = _wchoice(rng, tail, [6, 2.5, 1, 0.6, 0.4][: len(tail)])
        version = rel["version"]

        # channel / platform
        channel = _CHANNEL_PICK[iss["intent"]](rng)
        if hot and channel == "app_store":
            channel = "in_app"
        plats, pw = _CHANNEL_PLATS[channel]
        if iss["plats"]:
            allowed = [(p, w) for p, w in zip(plats, pw) if p in iss["plats"]]
            if not allowed:
                channel = "in_app"
                plats, pw = _CHANNEL_PLATS[channel]
                allowed = [(p, w) for p, w in zip(plats, pw) if p in iss["plats"]]
            plats, pw = [a[0] for a in allowed], [a[1] for a in allowed]
        if product == "meeting":
            pw = [w * (1.8 if p in ("windows", "macos") else 1.0) for p, w in zip(plats, pw)]
        platform = _wchoice(rng, plats, pw)

        # app_version (3% deliberately unknown)
        if rng.random() < 0.03:
            app_version = _unknown_version(rng, version, known[product])
            mention = app_version
        else:
            app_version = _raw_version(rng, version, platform)
            mention = version

        # scope (truth follows the text by construction)
        intent = iss["intent"]
        scenes = iss["scenes"]
        if iss["force_scope"] == "scenario":
            scope = "scenario"
        elif hot:
            scope = "release" if rng.random() < 0.8 else "scenario"
        elif intent == "complaint":
            scope = _wchoice(rng, ["release", "scenario", "individual"], [35, 32 if scenes else 0, 33])
        elif intent == "praise":
            scope = "release" if rng.random() < 0.4 else "individual"
        elif intent == "suggestion":
            scope = "scenario" if scenes and rng.random() < 0.25 else "individual"
        else:
            scope = "individual"
        scene = rng.choice(scenes) if (scope == "scenario" and scenes) else ""
        if scope == "scenario" and not scene:
            scope = "individual"

        core = rng.choice(iss["en"] if en else iss["cores"])
        freq = rng.choice(FREQS)
        if not en and "{freq}" not in core:
            freq = ("", freq[1], freq[2])
        sev = iss["sev"]
        if intent == "complaint" and not iss["false_report"]:
            if sev == "major" and freq[2] == "low" and (freq[0] if not en else freq[1]):
                sev = "normal"
        marker = ""
        if intent == "complaint" and not iss["false_report"]:
            if scope == "individual" and rng.random() < 0.55:
                marker = "individual"
            elif scope != "individual" and iss["type"] in ("function", "performance") and rng.random() < 0.2:
                marker = "widespread"
                sev = _bump(sev, 1)
        if not en and sev != "critical" and ("闪退" in core or "无法登录" in core or "入不了会" in core):
            sev = "critical"
        if en and sev != "critical" and ("crash" in core or "Can't log in" in core or "Can't join" in core):
            sev = "critical"

        dev_map = DEVICES_EN if en else DEVICES
        device = rng.choice(dev_map[platform])
        network = _network(rng, platform, scene)
        spec = {
            "issue": iss, "locale": locale, "core": core, "freq": freq, "scope": scope, "scene": scene,
            "mention": mention, "marker": marker, "sev": sev, "device": device, "network": network,
            "platform": platform, "product": product, "pname": pnames[product], "app_version": app_version,
            "company": rng.choice(COMPANIES), "region": region,
        }
        title, content = _render(rng, spec, channel)

        age = (now - t).total_seconds() / 86400.0
        status = _status(rng, age, iss, hot)
        resolution = _resolution(rng, iss, scope, False) if status == "closed" else ""
        items.append({
            "channel": channel,
            "external_id": "",
            "title": title,
            "content": content,
            "reporter": reporters.get(channel, locale),
            "product": product,
            "platform": platform,
            "app_version": app_version,
            "received_at": t,
            "locale": locale,
            "rating": _rating(rng, intent, sev) if channel == "app_store" else None,
            "metadata": {"device": device, "network": network, "region": region},
            "truth": {"type": iss["type"], "severity": sev, "scope": scope, "module": iss["module"], "intent": intent},
            "target_status": status,
            "resolution": resolution,
            "_spec": spec,
        })

    # near-duplicates: same complaint re-posted (slightly reworded) on another channel
    originals = [it for it in items if it["truth"]["intent"] == "complaint"] or items
    swap = {"community": ["social", "app_store", "in_app"], "social": ["community", "app_store"],
            "in_app": ["community", "social", "ticket"], "app_store": ["social", "community"],
            "ticket": ["community", "in_app"], "sales": ["ticket", "in_app"]}
    for _ in range(n_dup):
        orig = rng.choice(originals)
        spec = orig["_spec"]
        channel = rng.choice(swap[orig["channel"]])
        if channel == "app_store" and spec["platform"] not in ("ios", "android", "macos"):
            channel = "community"
        title, content = _render(rng, spec, channel, reword=True)
        t = orig["received_at"] + _dt.timedelta(minutes=rng.randint(20, 60 * 48))
        if t > now:
            t = orig["received_at"] + (now - orig["received_at"]) * rng.random()
        iss = spec["issue"]
        age = (now - t).total_seconds() / 86400.0
        status = orig["target_status"] if rng.random() < 0.6 else _status(rng, age, iss, False)
        resolution = _resolution(rng, iss, spec["scope"], True) if status == "closed" else ""
        same_person = rng.random() < 0.6
        rep = reporters.get(channel, spec["locale"], orig["reporter"]["name"] if same_person else None)
        items.append({
            "channel": channel,
            "external_id": "",
            "title": title,
            "content": content,
            "reporter": rep,
            "product": orig["product"],
            "platform": orig["platform"],
            "app_version": orig["app_version"],
            "received_at": t,
            "locale": orig["locale"],
            "rating": _rating(rng, iss["intent"], spec["sev"]) if channel == "app_store" else None,
            "metadata": dict(orig["metadata"]),
            "truth": dict(orig["truth"]),
            "target_status": status,
            "resolution": resolution,
            "_spec": spec,
        })

    items.sort(key=lambda it: it["received_at"])
    counters = dict.fromkeys(CHANNELS, 0)
    for it in items:
        counters[it["channel"]] += 1
        it["external_id"] = f"{it['channel']}-{counters[it['channel']]:06d}"
        del it["_spec"]
    return items
