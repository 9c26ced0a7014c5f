"""Sample files in the shapes each source really produces, written for these tests."""
import json

APP_STORE_CSV = """Review ID,Date,Rating,Title,Review,App Version,Territory,Reviewer Nickname
R-1001,2026-10-28T09:15:00Z,2,更新后群视频卡顿,升级到5.3.1以后群视频一直卡顿，画面经常定格好几秒,5.3.1,CHN,小鱼儿
R-1002,2026-10-29,5,好用,消息同步很及时，电脑和手机切换无缝,5.3.1,HKG,阿明
R-1003,2026-10-30,六星,离谱,每次打开都要重新登录,5.3.0,CHN,匿名用户
R-1004,2026-10-31,1,,,5.3.1,CHN,空评论
R-1005,昨天下午,3,一般,语音消息偶尔发不出去,5.3.1,USA,Kevin
"""

APP_STORE_CSV_CHINESE = """\ufeff评论编号,日期,评分,标题,内容,版本,地区,昵称
CN-1,2026年10月3日,★★☆☆☆,闪退,打开聊天记录就闪退，华为手机,5.2.9,中国,老王
CN-2,2026/10/4,4星,还行,会议纪要功能不错但是导出很慢,5.2.9,台湾,小林
"""

APP_STORE_JSON = json.dumps({"reviews": [
    {"id": "gp-77", "userName": "李雷", "stars": 1, "title": "", "body": "安卓14上收不到推送通知，必须打开应用才有消息",
     "appVersion": "5.3.1 (2041)", "country": "CN", "date": "2026-11-01T20:03:00+08:00", "platform": "Google Play"},
    {"id": "gp-78", "userName": "韩梅梅", "stars": 0, "body": "评分为0的异常数据", "date": "2026-11-01"},
]}, ensure_ascii=False)

TICKET_WEBHOOK = {
    "ticket": {
        "id": 58231,
        "subject": "屏幕共享时对方看到黑屏",
        "description": "客户反馈在Windows上发起屏幕共享，对方只能看到黑屏，重启客户端也不行。",
        "requester": {"id": 9001, "name": "陈经理", "email": "chen@example.cn"},
        "created_at": "2026-11-02T10:21:33+08:00",
        "priority": "high",
        "tags": ["屏幕共享", "vip"],
        "custom_fields": [
            {"name": "app_version", "value": "v5.3.1"},
            {"name": "platform", "value": "Windows"},
            {"name": "customer_tier", "value": "KA"},
        ],
    }
}

TICKET_LIST = [
    TICKET_WEBHOOK,
    {"id": 58232, "subject": "", "description": "", "requester": {"name": "周女士"}, "created_at": "2026-11-02"},
    {"subject": "没有工单号的请求", "description": "消息撤回后对方仍能看到原文", "created_at": "2026-11-02"},
    {"id": 58233, "subject": "发送文件失败", "description": "超过1G的文件发送到一半就失败", "created_at": "上周三",
     "custom_fields": {"app_version": "5.3.0"}},
]

COMMUNITY_JSONL = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
    {"id": "t-3391", "author": {"id": "u-17", "name": "技术宅小张"}, "url": "https://bbs.example.cn/t/3391",
     "title": "建议：已读回执能不能关掉", "text": "群里发消息总显示几人已读，压力很大，希望可以关闭已读回执", "time": "2026-11-03 08:30"},
    {"author": "路人甲", "url": "https://bbs.example.cn/t/3392", "text": "Mac版本屏幕共享没有声音", "time": "2026/11/3"},
    {"author": "路人乙", "text": "", "time": "2026-11-03"},
]) + "\n"

SOCIAL_CSV = """作者,链接,内容,发布时间,平台
吃瓜群众,https://weibo.example.com/p/1,公司用的这个IM视频会议又崩了，开会开到一半全员掉线,2026-11-04 12:00,微博
打工人,,视频会议虚拟背景把我的手也抠掉了哈哈,2026年11月4日,小红书
"""

SALES_CSV = """2026年11月 华东区销售反馈汇总,,,,
客户名称,反馈内容,版本,日期,销售
杭州某银行,1、希望支持消息水印 2、群公告需要置顶多条,5.3.1,2026/11/3,王强
,审批消息在手机端收不到推送,5.3.1,,
,,,,
宁波制造集团,视频会议超过50人就很卡,5.2.8,11-3,刘洋
苏州某医院,,5.3.0,2026年11月5日,刘洋
上海某券商,会议录制文件找不到在哪里下载,5.3.1,下个月,王强
"""
