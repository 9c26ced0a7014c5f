"""The standard classification taxonomy shipped with Feedback Archive (loaded by a data migration)."""

# 说明（给维护者）：
# - 每条反馈在每个维度上只选一个标签；五个维度彼此独立，分别回答
#   “是什么问题 / 有多严重 / 影响谁 / 出在哪个模块 / 用户想要什么”。
# - keywords 为 "词" 或 "词:权重"（权重 1-3，缺省为 1），用于自动预分类的打分；
#   negative_keywords 是会抵消本标签的否定说法（如“不卡”“没闪退”）。
# - 关键词只是辅助，最终以 definition 中的定义和边界规则为准。
# - 各标签的 code 是对外 API 契约，不得修改。

STANDARD_TAXONOMY = [
    # ------------------------------------------------------------------
    # 维度一：问题类型
    # ------------------------------------------------------------------
    {
        "code": "type",
        "name_zh": "问题类型",
        "name_en": "Type",
        "order": 1,
        "description": (
            "问题类型回答“这是一个什么性质的问题”，每条反馈只选一个。判断顺序如下："
            "① 先看功能是否“能用”：功能完全不工作、结果错误、闪退崩溃、消息发不出或收不到、"
            "缺少某项能力或用户要求新增能力，选“功能”；"
            "② 功能能用但“不够快、不够稳、太耗资源”：卡顿、延迟、加载慢、掉线、高峰期连不上、"
            "发热耗电、占内存占流量，选“性能”；"
            "③ 功能能用、速度也正常，但“不好找、不好懂、不顺手”：入口难找、按钮位置反直觉、"
            "流程绕、文案看不懂、界面别扭，选“体验”；"
            "④ 用户是在提问、求助，或者反馈的“问题”经核实是用户误解、设置不当、没看文档（误报），"
            "以及账号、计费、发票类问询，选“咨询”。"
            "常见争议的统一口径：闪退/崩溃归“功能”（功能失效了，而不是变慢了）；"
            "慢、卡、延迟、掉线、连接不稳定、资源占用归“性能”；"
            "缺少能力归“功能”，能力存在但难找难用归“体验”；"
            "“消息收不到/发不出去”归“功能”，“消息能到但晚了几十秒”归“性能”；"
            "“高峰期连不上”归“性能”（属于稳定性与容量问题）。"
            "若一条反馈同时提到多个问题，按用户最主要的诉求（篇幅最多、情绪最强或排在最前的那个）归类；"
            "无法确认是否误报时，按用户描述的现象归类，不要凭猜测归为“咨询”。"
        ),
        "labels": [
            {
                "code": "performance",
                "name_zh": "性能",
                "name_en": "Performance",
                "order": 1,
                "definition": (
                    "功能本身可以使用，但速度、流畅度、稳定性或资源消耗不达标，归为性能。"
                    "包括：画面或界面卡顿、掉帧，消息或通话延迟高，加载慢、一直转圈，通话频繁掉线、"
                    "网络连接不稳定，高峰期连不上或排队（稳定性与容量问题），手机发热、耗电快、"
                    "占用内存/存储/流量过多，文件传输速度慢。"
                    "不包括：闪退、崩溃、功能完全失效或结果错误（→ 功能）；"
                    "交互设计导致的操作步骤多、入口难找（→ 体验）。"
                    "边界口径：消息“晚到”是性能，消息“收不到”是功能；短暂卡住后能恢复是性能，"
                    "界面彻底无响应只能强制关闭视同崩溃，归功能。"
                ),
                "definition_en": (
                    "The feature works, but speed, smoothness, stability or resource usage is not acceptable: "
                    "lag, frame drops, high latency, slow loading/spinners, frequent call drops, unstable "
                    "connections, failing to connect at peak hours, overheating, battery drain, memory/storage/"
                    "data usage, slow file transfer. Crashes and features that do not work at all are Function; "
                    "awkward interaction design is Experience. A message that arrives late is Performance; a "
                    "message that never arrives is Function. A temporary freeze is Performance; a hang that "
                    "forces a restart counts as a crash (Function)."
                ),
                "positive_examples": [
                    "视频会议人一多画面就卡顿，声音和嘴型对不上，延迟起码两三秒。",
                    "群文件传输太慢了，一个200M的安装包传了快半小时。",
                    "每天早上九点高峰期都连不上服务器，一直转圈，过了十点就正常。",
                    "开着客户端挂一天，电脑风扇狂转，内存占了3个G。",
                    "手机上语音通话十分钟就发烫，电量掉了20%。",
                    "Video calls lag badly and the app takes forever to load chat history.",
                ],
                "negative_examples": [
                    "一打开视频会议就闪退，根本进不去。（→ 功能）",
                    "消息发出去对方一直收不到，不是慢，是压根没到。（→ 功能）",
                    "加载倒是很快，就是设置藏得太深，每次都要点五六下才能找到。（→ 体验）",
                    "我以为是网络卡，后来发现是自己开了省流量模式把画质降了，这个模式怎么关？（→ 咨询）",
                ],
                "keywords": [
                    "卡顿:3", "延迟:3", "掉线:3", "掉帧:3", "转圈:2", "加载慢:3", "很慢:2", "太慢:2",
                    "慢:1", "卡:1", "发热:2", "发烫:2", "耗电:2", "费电:2", "内存:2",
                    "连不上:2", "高峰期:2", "不稳定:2", "断断续续:2",
                    "lag:3", "laggy:3", "slow:2", "freeze:2", "latency:3", "battery:2",
                ],
                "negative_keywords": [
                    "不卡", "不卡顿", "一点都不卡", "没有卡顿", "没卡", "没有延迟", "延迟很低",
                    "不掉线", "没掉线", "很流畅", "不耗电", "no lag", "not slow",
                ],
            },
            {
                "code": "function",
                "name_zh": "功能",
                "name_en": "Function",
                "order": 2,
                "definition": (
                    "某项功能不能用、用了结果不对，或者产品缺少用户需要的能力，归为功能。"
                    "包括：闪退、崩溃、打不开（功能失效，而非变慢），消息发不出去或收不到，"
                    "撤回、已读回执、推送等功能不生效，文件上传下载失败，报错，数据显示错误；"
                    "也包括缺失的能力和新功能请求，例如“语音消息不能暂停”“没有定时发送功能”。"
                    "不包括：功能能用但慢、卡、掉线、耗资源（→ 性能）；"
                    "功能存在但用户找不到或觉得难用（→ 体验）；经核实是用户设置或理解问题（→ 咨询）。"
                ),
                "definition_en": (
                    "A feature does not work, gives wrong results, or a needed capability is missing. "
                    "Includes crashes and force-closes (the feature fails rather than being slow), messages "
                    "not sent or not delivered, recall/read receipts/push not working, failed uploads or "
                    "downloads, error messages, wrong data, and requests for missing features. Slowness or "
                    "instability is Performance; an existing but hard-to-find feature is Experience; "
                    "user misconfiguration is Consultation."
                ),
                "positive_examples": [
                    "升级后一点开群聊就闪退，重装了也一样。",
                    "消息显示已发送，但对方那边一直收不到，换了网络也不行。",
                    "语音消息不能暂停太不方便了，听到一半被打断只能从头再听。",
                    "撤回消息后对方那边还能看到原文，撤回根本没生效。",
                    "上传群文件总是提示“上传失败，错误码 1002”。",
                    "Please add scheduled messages, there is no way to send a message later.",
                ],
                "negative_examples": [
                    "群文件能传，就是速度太慢了。（→ 性能）",
                    "定时发送这个功能明明有，藏在长按菜单里，我找了半天才找到。（→ 体验）",
                    "我以为消息没送达是 bug，客服说是对方开了免打扰，那要怎么设置提醒？（→ 咨询）",
                    "视频会议不闪退，就是人一多就卡成 PPT。（→ 性能）",
                ],
                "keywords": [
                    "闪退:3", "崩溃:3", "打不开:2", "发不出去:3", "发不出:3", "收不到:3",
                    "不能:1", "无法:1", "失败:2", "报错:2", "没生效:3", "不生效:3", "没反应:2",
                    "没有这个功能:3", "增加功能:2", "功能:1", "bug:2",
                    "crash:3", "crashes:3", "can't:1", "no way to:2", "doesn't work:3", "not working:3",
                    "feature:1", "error:2",
                ],
                "negative_keywords": [
                    "没闪退", "不闪退", "没有闪退", "没崩溃", "没有崩溃", "不崩溃", "没再崩溃",
                    "功能正常", "能正常使用", "no crash", "doesn't crash",
                ],
            },
            {
                "code": "experience",
                "name_zh": "体验",
                "name_en": "Experience",
                "order": 3,
                "definition": (
                    "功能存在、能用、速度也正常，但设计与交互让人用着不顺手，归为体验。"
                    "包括：入口难找、不知道点哪里，按钮位置不符合直觉，操作流程绕、步骤多，"
                    "文案或图标看不懂，界面布局乱、字太小、配色刺眼，“用起来怪怪的”之类的主观感受。"
                    "不包括：根本没有这项能力或用户要求新增能力（→ 功能）；"
                    "因为慢、卡、转圈造成的不好用（→ 性能）；用户单纯在问某个操作怎么做（→ 咨询）。"
                    "判断要点：如果把界面重新设计、不改底层能力就能解决，通常就是体验。"
                ),
                "definition_en": (
                    "The feature exists, works and is fast enough, but the design or interaction is awkward: "
                    "hard-to-find entry points, counter-intuitive button placement, convoluted flows, unclear "
                    "wording or icons, cluttered layout, a vague 'feels weird'. A missing capability is "
                    "Function; discomfort caused by slowness is Performance; a plain how-to question is "
                    "Consultation. Rule of thumb: if a UI redesign alone would fix it, it is Experience."
                ),
                "positive_examples": [
                    "新版用起来怪怪的，不知道点哪里好。",
                    "挂断按钮和静音按钮挨得太近，开会时老是误点挂断。",
                    "转发聊天记录要先多选、再点更多、再选合并转发，流程太绕了。",
                    "群公告的入口藏在设置最底下，每次都要翻好久才找到。",
                    "The new menu is confusing, I can never find where the settings are.",
                ],
                "negative_examples": [
                    "根本没有合并转发功能，只能一条条转。（→ 功能）",
                    "界面切换的时候一直转圈，要等好几秒。（→ 性能）",
                    "请问群公告在哪里设置？（→ 咨询）",
                ],
                "keywords": [
                    "怪怪的:3", "不知道点哪:3", "找不到:2", "不好找:3", "不直观:3", "不符合直觉:3",
                    "反人类:3", "难用:3", "不好用:2", "太麻烦:2", "麻烦:1", "繁琐:3", "太绕:3",
                    "步骤太多:3", "误触:3", "误点:3", "界面:2", "按钮:2", "入口:2", "字太小:2",
                    "不习惯:2", "confusing:3", "hard to find:3", "not intuitive:3", "UI:1",
                ],
                "negative_keywords": [
                    "不麻烦", "一点也不麻烦", "很直观", "一眼就找到", "找到了", "界面很清爽",
                    "很好上手", "easy to find",
                ],
            },
            {
                "code": "consultation",
                "name_zh": "咨询",
                "name_en": "Consultation",
                "order": 4,
                "definition": (
                    "用户在提问、求助或了解规则，产品本身没有缺陷，归为咨询。"
                    "包括：怎么操作、在哪里设置、是否支持某能力的询问；账号、登录方式、会员、计费、发票、"
                    "退款等事务性问题；以及误报——用户以为是 bug，核实后是没看文档、设置不当或误解"
                    "（例如开了免打扰以为收不到消息、权限没开以为麦克风坏了）。"
                    "不包括：用户按文档正确操作后仍然失败（→ 按现象归功能或性能）；"
                    "用户抱怨入口难找、设计反直觉（→ 体验）。"
                    "误报需要客服或处理人核实后才能归入咨询；未核实时按用户描述的现象分类。"
                ),
                "definition_en": (
                    "The user is asking or seeking help and there is no product defect: how-to and where-is "
                    "questions, whether something is supported, account/billing/invoice/refund questions, and "
                    "false reports where the user thought it was a bug but it was a misunderstanding or wrong "
                    "setting (e.g. Do Not Disturb on, microphone permission off). If it still fails after "
                    "following the docs, classify by the symptom; complaints about hard-to-find features are "
                    "Experience. Only mark a false report after it has been verified."
                ),
                "positive_examples": [
                    "请问怎么设置消息免打扰？",
                    "我以为收不到消息是 bug，原来是自己把这个群设成了免打扰。",
                    "企业版按人数收费还是按年收费？能开专票吗？",
                    "是不是只有管理员才能发@所有人？",
                    "How do I share my screen during a meeting?",
                ],
                "negative_examples": [
                    "按帮助文档把麦克风权限打开了，对方还是听不到我说话。（→ 功能）",
                    "屏幕共享的按钮藏得太深了，开会时急得找不到。（→ 体验）",
                    "请问你们高峰期卡成这样什么时候能解决？（→ 性能）",
                ],
                "keywords": [
                    "请问:3", "怎么:2", "如何:2", "怎样:2", "在哪里:1", "是不是:2", "有没有办法:2",
                    "怎么设置:3", "能不能支持:1", "原来是:3", "我以为:3", "误报:3", "没看文档:3", "教程:2",
                    "收费:2", "计费:3", "发票:3", "退款:2", "会员:2", "套餐:2",
                    "how do i:3", "how to:2", "is it possible:2", "pricing:3", "invoice:3",
                ],
                "negative_keywords": [
                    "按文档操作了", "按教程做了", "设置都是对的", "权限都开了", "重装也没用",
                    "不是设置问题", "followed the docs",
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # 维度二：严重程度
    # ------------------------------------------------------------------
    {
        "code": "severity",
        "name_zh": "严重程度",
        "name_en": "Severity",
        "order": 2,
        "description": (
            "严重程度回答“这个问题造成的损失有多大”，由“影响面”和“有没有替代方案”两个因素共同决定，"
            "与问题类型无关（性能问题也可能是致命的）。先看红线，再查表。"
            "红线（命中任一条直接定为致命）：数据丢失或聊天记录丢失、消息丢失（已显示发送但永久未送达）、"
            "安全或隐私泄露（消息被他人看到、文件权限失控）、无法登录、启动即闪退完全无法使用、"
            "服务整体不可用。"
            "未命中红线时按下表判断："
            "影响大面积用户（全公司、所有人、大量同类反馈）× 无替代方案 → 致命；"
            "影响大面积用户 × 有替代方案 → 严重；"
            "影响部分用户或特定场景 × 核心功能（消息、通话、会议、文件）不可用且无替代方案 → 严重；"
            "影响部分用户或特定场景 × 有替代方案（重试、重启、换端、换方式可绕过）→ 一般；"
            "仅个别用户 × 无替代方案 → 严重；仅个别用户 × 有替代方案 → 一般；"
            "任何影响面 × 不影响正常使用（外观、错别字、小不便、纯建议）→ 轻微。"
            "拿不准时：频繁发生比偶尔发生高一级考虑；核心功能比边缘功能高一级考虑；"
            "信息不足时先标“一般”，核实后再调整，切勿因用户情绪激烈而随意拔高。"
        ),
        "labels": [
            {
                "code": "critical",
                "name_zh": "致命",
                "name_en": "Critical",
                "order": 1,
                "definition": (
                    "造成不可挽回的损失或让产品完全无法使用，必须立即处理。"
                    "包括：启动即闪退、无法登录、服务整体不可用，数据或聊天记录丢失，"
                    "消息丢失（显示已发送但对方永远收不到），安全漏洞与隐私泄露，"
                    "以及大面积用户的核心功能不可用且没有任何替代方案。"
                    "不包括：核心功能坏了但只影响部分用户或能绕过（→ 严重）；"
                    "偶发问题、重试即可恢复（→ 一般）。"
                ),
                "definition_en": (
                    "Irreversible loss or the product is completely unusable: crash on launch, cannot log in, "
                    "service outage, data or chat history loss, messages permanently lost, security or privacy "
                    "leaks, or a core feature down for most users with no workaround. A core feature broken "
                    "for some users or with a workaround is Major."
                ),
                "positive_examples": [
                    "今天早上全公司都登录不了，一直提示服务器异常，工作全停了。",
                    "换了手机登录后，近三年的聊天记录全没了。",
                    "我发在私聊里的文件，被拉进群的陌生人也能打开，这是严重的隐私泄露！",
                    "更新到最新版之后一打开就闪退，完全用不了。",
                    "Messages show as sent but the customer never received them, we lost an order.",
                ],
                "negative_examples": [
                    "通话经常掉线，每次都要重新拨，很影响开会。（→ 严重）",
                    "偶尔会闪退一次，重新打开就好了，记录都在。（→ 一般）",
                    "登录页的“忘记密码”有个错别字。（→ 轻微）",
                ],
                "keywords": [
                    "启动就闪退:3", "一打开就闪退:3", "一打开就崩溃:3", "登录不了:3", "无法登录:3",
                    "登不上:3", "数据丢失:3", "聊天记录没了:3", "聊天记录丢失:3", "记录全没了:3",
                    "消息丢失:3", "泄露:3", "隐私:2", "安全漏洞:3", "完全用不了:2", "全公司:3",
                    "所有人都:2", "宕机:3", "服务挂了:3",
                    "data loss:3", "can't log in:3", "never received:3", "outage:3", "security:2", "privacy:2",
                ],
                "negative_keywords": [
                    "记录都在", "数据还在", "没有丢失", "没丢", "能正常登录", "可以登录",
                    "不影响使用",
                ],
            },
            {
                "code": "major",
                "name_zh": "严重",
                "name_en": "Major",
                "order": 2,
                "definition": (
                    "核心功能（收发消息、语音视频通话、会议、文件传输）受到严重影响，但尚未造成数据损失或全面瘫痪。"
                    "典型情形：核心功能对较多用户失效，或频繁掉线、频繁崩溃，且没有好用的替代方案，"
                    "明显影响工作。也包括大面积问题但存在替代方案的情况。"
                    "不包括：数据丢失、隐私泄露、无法登录（→ 致命）；"
                    "偶发、可以通过重试或换个方式绕过的问题（→ 一般）。"
                ),
                "definition_en": (
                    "A core feature (messaging, calls, meetings, file transfer) is seriously impaired without "
                    "data loss or total outage: broken for many users, frequent drops or crashes, no practical "
                    "workaround, clear impact on work; also widespread problems that do have a workaround. "
                    "Data loss, leaks and login failure are Critical; occasional issues with a workaround are Normal."
                ),
                "positive_examples": [
                    "视频会议每隔几分钟就掉线一次，我们部门十几个人都这样，会根本开不下去。",
                    "屏幕共享最近一周完全用不了，对方只能看到黑屏，怎么重试都没用。",
                    "安卓端群里的语音消息都播放不了，好几个同事反馈过。",
                    "File upload fails every single time for our whole team, no workaround.",
                ],
                "negative_examples": [
                    "全公司都收不到消息，已经两个小时了。（→ 致命）",
                    "屏幕共享偶尔黑屏，停掉重新共享一次就好了。（→ 一般）",
                    "会议里举手图标有点丑。（→ 轻微）",
                ],
                "keywords": [
                    "经常掉线:3", "频繁:2", "每次都:2", "总是:1", "老是:1", "一直:1", "用不了:2",
                    "没法用:2", "开不下去:3", "怎么都不行:2", "都没用:2", "严重影响:3", "影响工作:2",
                    "很多人:2", "好几个同事:2", "整个部门:2",
                    "every time:2", "all the time:2", "constantly:2", "no workaround:3",
                ],
                "negative_keywords": [
                    "偶尔", "不频繁", "很少出现", "不影响工作", "不影响使用", "重试就好",
                ],
            },
            {
                "code": "normal",
                "name_zh": "一般",
                "name_en": "Normal",
                "order": 3,
                "definition": (
                    "功能部分受损或偶发失效，但存在替代方案，用户的工作可以继续。"
                    "典型情形：偶尔失败、重试或重启后恢复，某个入口坏了但可以走另一条路径，"
                    "只在个别场景出问题且可以绕过。信息不足、暂时无法判断时也先标为一般。"
                    "不包括：核心功能无替代方案地失效（→ 严重）；"
                    "不影响功能的外观、文案问题和纯建议（→ 轻微）。"
                ),
                "definition_en": (
                    "A feature is partly broken or fails occasionally, but a workaround exists and work can go "
                    "on: retrying or restarting fixes it, another path works, or it only affects an edge case. "
                    "Also the default when information is insufficient. No workaround for a core feature is "
                    "Major; cosmetic issues and pure suggestions are Minor."
                ),
                "positive_examples": [
                    "偶尔发图片会失败，点一下重发就好了。",
                    "Mac 版的已读回执有时候不更新，手机上看是正常的。",
                    "从聊天窗口转发文件会报错，先保存到本地再发就可以。",
                    "通话中切换蓝牙耳机有时没声音，断开重连一下能恢复。",
                    "Notifications sometimes arrive late, but restarting the app fixes it.",
                ],
                "negative_examples": [
                    "发图片一直失败，重发、重启、换网络都不行，客户等着要。（→ 严重）",
                    "图片发送成功的提示语有个错别字。（→ 轻微）",
                    "发出去的图片对方收不到，而且我这边的历史图片也全没了。（→ 致命）",
                ],
                "keywords": [
                    "偶尔:2", "有时候:2", "有时:1", "时不时:2", "重启就好:3", "重启后就好了:3",
                    "重新登录就好:3", "重发就好:3", "重试:2", "能恢复:2", "先用:1", "凑合:2",
                    "换个方式:2", "就可以:1", "部分:1",
                    "sometimes:2", "occasionally:2", "workaround:2", "restart fixes:3",
                ],
                "negative_keywords": [
                    "重启也没用", "重试也不行", "怎么都不行", "没有替代", "完全用不了",
                ],
            },
            {
                "code": "minor",
                "name_zh": "轻微",
                "name_en": "Minor",
                "order": 4,
                "definition": (
                    "不影响功能的正常使用，只是不够好看、不够顺手或可以更好。"
                    "包括：错别字、文案不准确、图标或颜色不美观、对齐错位，小小的不方便，"
                    "以及不涉及缺陷的建议和表扬。"
                    "不包括：功能偶发失效但能绕过（→ 一般）；"
                    "看似是界面小问题、实际导致误操作损失的情况（例如按钮错位导致误删消息，→ 至少一般，按影响评估）。"
                ),
                "definition_en": (
                    "Does not affect normal use: typos, inaccurate wording, unattractive icons or colours, "
                    "misalignment, small inconveniences, and suggestions or praise that report no defect. "
                    "Occasional failures with a workaround are Normal; a cosmetic issue that causes harmful "
                    "mis-operations should be rated by its actual impact."
                ),
                "positive_examples": [
                    "设置页面里“通知”写成了“通之”，错别字。",
                    "深色模式下群公告的字是灰色的，有点看不清。",
                    "建议表情面板能记住上次选的分类，小问题，不急。",
                    "会议列表的时间和标题没对齐，强迫症看着难受。",
                    "Small typo on the login page: 'pasword'.",
                ],
                "negative_examples": [
                    "表情面板偶尔打不开，要退出聊天再进才行。（→ 一般）",
                    "深色模式下消息完全看不见，只能关掉深色模式用。（→ 一般）",
                    "删除按钮和复制按钮重叠，好几次误删了重要消息还找不回来。（→ 严重）",
                ],
                "keywords": [
                    "错别字:3", "文案:2", "图标:2", "颜色:2", "配色:2", "对齐:2", "不美观:2",
                    "有点丑:2", "小问题:3", "小建议:3", "不影响使用:3", "不急:2", "有点:1",
                    "稍微:1", "建议:1",
                    "typo:3", "cosmetic:3", "minor:2", "small issue:3", "nitpick:3",
                ],
                "negative_keywords": [
                    "不是小问题", "很严重", "影响使用", "用不了", "影响工作",
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # 维度三：影响范围
    # ------------------------------------------------------------------
    {
        "code": "scope",
        "name_zh": "影响范围",
        "name_en": "Scope",
        "order": 3,
        "description": (
            "影响范围回答“问题在什么条件下出现、影响到谁”，用于帮助研发复现和定位。"
            "判断依据是反馈中给出的线索："
            "与某次升级、某个版本号相关（“升级到 5.3.1 之后”“只有新版有”）→ 特定版本；"
            "只在某种条件下出现（弱网、500 人以上大群、蓝牙耳机、高峰期、后台锁屏、某类机型或系统）→ 特定场景；"
            "只有本人的账号或这一台设备有问题、同事都正常 → 个别用户。"
            "多条线索并存时按“特定版本 > 特定场景 > 个别用户”的优先级选择，因为版本线索最能直接指导修复"
            "（例如“升级 5.3.1 后弱网下容易掉线”选特定版本）。"
            "反馈没有给出任何范围线索时默认选“个别用户”，等同类反馈聚合后再调整。"
            "注意：影响范围描述的是触发条件，不是严重程度，“所有人都遇到”是否致命请在严重程度维度判断。"
        ),
        "labels": [
            {
                "code": "individual",
                "name_zh": "个别用户",
                "name_en": "Individual",
                "order": 1,
                "definition": (
                    "问题只出现在某个用户、某个账号或某一台设备上，其他人在相同条件下正常。"
                    "典型线索：“只有我”“同事都好好的”“换个手机登录就没事”“我这个账号”。"
                    "反馈没有任何范围线索时也默认归为个别用户。"
                    "不包括：与升级或版本号相关（→ 特定版本）；"
                    "只在弱网、大群、特定耳机或机型等条件下出现（→ 特定场景）。"
                ),
                "definition_en": (
                    "Only one user, account or device is affected while others under the same conditions are "
                    "fine ('only me', 'my colleagues are fine', 'works on another phone'). Also the default when "
                    "no scope hint is given. Version-related issues are Release; condition-related issues are "
                    "Scenario."
                ),
                "positive_examples": [
                    "只有我收不到群消息，同事们都正常。",
                    "我这个账号登录后头像一直显示不出来，换别人的账号在同一台电脑上没问题。",
                    "我这台电脑开会总是没声音，用同事的电脑就好。",
                    "视频通话老是掉线，不知道是不是我这边的问题。",
                    "It only happens on my account, everyone else in the team is fine.",
                ],
                "negative_examples": [
                    "升级到 5.3.1 之后我就收不到群消息了，之前一直好好的。（→ 特定版本）",
                    "只要戴上蓝牙耳机，对方就听不到我说话。（→ 特定场景）",
                    "不只是我，我们部门的人用了新版都闪退。（→ 特定版本）",
                ],
                "keywords": [
                    "只有我:3", "就我:2", "就我一个:3", "我的账号:2", "我这个账号:3", "我这台:2",
                    "我这边:1", "同事都正常:3", "别人都正常:3", "别人都好好的:3", "其他人没问题:3",
                    "换个手机就好:2", "换台电脑就好:2",
                    "only me:3", "only my account:3", "my account:2", "others are fine:3",
                ],
                "negative_keywords": [
                    "不只是我", "不止我", "大家都", "所有人都", "同事也", "全公司", "not just me",
                ],
            },
            {
                "code": "release",
                "name_zh": "特定版本",
                "name_en": "Release",
                "order": 2,
                "definition": (
                    "问题与某个版本或某次升级相关：升级后才出现、只在某个版本号上出现、降级或回退后消失。"
                    "典型线索：“升级到 5.3.1 之后”“更新后”“新版本”“旧版没这个问题”。"
                    "版本线索与场景线索同时出现时，优先归为特定版本。"
                    "不包括：一直都有、与版本无关的场景性问题（→ 特定场景）；"
                    "同一版本下只有本人出现的问题（→ 个别用户）。"
                ),
                "definition_en": (
                    "The problem is tied to a version or an upgrade: it appeared after updating, only occurs on "
                    "a given version, or disappears after downgrading ('since upgrading to 5.3.1', 'the old "
                    "version was fine'). When both version and scenario hints exist, choose Release. "
                    "Version-independent conditions are Scenario; only one user on a normal version is Individual."
                ),
                "positive_examples": [
                    "升级到 5.3.1 之后，发文件一直提示失败，之前的版本没问题。",
                    "更新后语音消息就没有转文字的选项了。",
                    "新版本的 iOS 客户端开屏幕共享必闪退，回退到旧版就好了。",
                    "升级后弱网下特别容易掉线，以前同样的网络很稳定。",
                    "Since the latest update, read receipts no longer show up.",
                ],
                "negative_examples": [
                    "一直都这样，只要在地铁里语音就断断续续。（→ 特定场景）",
                    "同样是最新版，只有我登录不了，同事都能登。（→ 个别用户）",
                    "超过 500 人的群发@所有人总是失败，哪个版本都一样。（→ 特定场景）",
                ],
                "keywords": [
                    "升级后:3", "升级之后:3", "更新后:3", "更新之后:3", "升级到:3", "新版本:3",
                    "新版:2", "最新版:2", "这个版本:3", "旧版:2", "老版本:2", "上个版本:2",
                    "回退:2", "降级:2", "版本:1",
                    "after update:3", "after updating:3", "since the update:3", "new version:3",
                    "latest version:2", "latest update:3", "downgrade:2",
                ],
                "negative_keywords": [
                    "和版本无关", "与版本无关", "哪个版本都", "所有版本都", "升级前就有", "一直都有",
                    "升级后也没用", "not version related",
                ],
            },
            {
                "code": "scenario",
                "name_zh": "特定场景",
                "name_en": "Scenario",
                "order": 3,
                "definition": (
                    "问题只在特定条件下出现，换一个条件就正常，且与版本升级无关。"
                    "常见条件：弱网、切换网络、地铁电梯等信号差的环境；500 人以上的大群或大型会议；"
                    "蓝牙耳机、外接摄像头等外设；高峰时段；后台运行、锁屏；特定操作系统或机型；"
                    "特定操作顺序（如通话中切换前后摄像头）。"
                    "不包括：升级后才出现的问题（→ 特定版本）；只有本人账号或设备有问题（→ 个别用户）。"
                ),
                "definition_en": (
                    "The problem only occurs under specific conditions and is not tied to a version: weak or "
                    "switching networks, groups over 500 members or large meetings, Bluetooth headsets or "
                    "external devices, peak hours, background/locked screen, a particular OS or device model, "
                    "or a specific sequence of actions. Upgrade-related is Release; only one user's account or "
                    "device is Individual."
                ),
                "positive_examples": [
                    "只要网络差一点，视频通话就花屏，WiFi 好的时候没事。",
                    "在 500 人以上的大群里发@所有人，很多人收不到提醒。",
                    "连上蓝牙耳机开会，对方说我这边有很大的回声。",
                    "每天上午九点左右高峰期进会议特别慢，其他时间很快。",
                    "App goes silent when the phone is locked during a call on weak network.",
                ],
                "negative_examples": [
                    "升级到新版后，蓝牙耳机就没声音了，旧版正常。（→ 特定版本）",
                    "只有我的手机连蓝牙耳机没声音，同事同款耳机都正常。（→ 个别用户）",
                    "不管什么网络、什么设备，只要升级到 5.3.1 就打不开群文件。（→ 特定版本）",
                ],
                "keywords": [
                    "弱网:3", "网络不好:2", "网络差:2", "信号差:2", "切换网络:3", "地铁:2", "电梯:2",
                    "大群:3", "500人:2", "人多:2", "蓝牙耳机:3", "蓝牙:2", "耳机:1", "外接:2",
                    "高峰期:3", "锁屏:2", "后台:2", "只有在:2", "安卓:1", "iOS:1", "Mac:1",
                    "weak network:3", "bluetooth:3", "peak hours:3", "large group:3",
                ],
                "negative_keywords": [
                    "不管什么网络", "什么网络都", "任何场景", "所有场景", "什么情况下都",
                    "WiFi和4G都", "不分场景",
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # 维度四：产品模块
    # ------------------------------------------------------------------
    {
        "code": "module",
        "name_zh": "产品模块",
        "name_en": "Module",
        "order": 4,
        "description": (
            "产品模块回答“问题出在哪块能力上”，决定工单派给哪个研发团队。"
            "核心规则：看“出问题的是哪项能力”，而不是“用户当时在哪个界面”。"
            "例如：群聊里的语音消息放不出来 → 语音（失效的是语音能力）；在群里发文件失败 → 文件传输；"
            "视频会议里有回声、听不到声音 → 语音（音频问题），视频会议里黑屏、共享屏幕失败 → 视频；"
            "群里发普通文字消息收不到 → 消息；@所有人失效、群公告发不出、拉人进群失败 → 群组；"
            "聊天中的图片、文档、压缩包等以附件形式上传下载失败 → 文件传输，表情和表情包 → 消息。"
            "登录、账号、设置、计费、安装更新、以及对话式 AI（AI 助手、智能机器人、AI 总结与翻译）"
            "归“其他”；但嵌在某项能力里的 AI 效果按所属能力归类（通话 AI 降噪 → 语音，虚拟背景和美颜 → 视频）。"
            "一条反馈涉及多个模块时，选用户最主要抱怨的那个；完全无法判断时选“其他”。"
        ),
        "labels": [
            {
                "code": "message",
                "name_zh": "消息",
                "name_en": "Messaging",
                "order": 1,
                "definition": (
                    "单聊与群聊中的文字消息能力：发送、接收、送达与延迟，已读回执、未读红点，"
                    "撤回、转发、引用、删除，消息推送与通知提醒，表情与表情包，聊天记录的保存、同步与搜索。"
                    "不包括：语音消息与通话（→ 语音）；附件、图片文件、群文件的上传下载（→ 文件传输）；"
                    "@所有人、群公告、群成员管理等群能力（→ 群组）。"
                ),
                "definition_en": (
                    "Text messaging in 1:1 and group chats: sending, receiving, delivery and delay, read "
                    "receipts, unread badges, recall, forwarding, quoting, deletion, push notifications, emoji "
                    "and stickers, chat history storage, sync and search. Voice messages are Voice; attachments "
                    "are File; @all, announcements and membership are Group."
                ),
                "positive_examples": [
                    "消息撤回之后对方还能看到，这算什么撤回？",
                    "手机锁屏后收不到新消息推送，打开 App 才一下子涌进来。",
                    "已读回执一直显示未读，明明对方已经回复了。",
                    "搜索聊天记录搜不到三个月前的消息。",
                    "Push notifications for new messages don't arrive on Android.",
                ],
                "negative_examples": [
                    "群里别人发的语音消息点了没声音。（→ 语音）",
                    "聊天里发的 PDF 附件对方下载不下来。（→ 文件传输）",
                    "群公告发出去成员收不到提醒。（→ 群组）",
                ],
                "keywords": [
                    "消息:2", "发消息:3", "聊天:2", "聊天记录:3", "已读:3", "已读回执:3", "未读:2",
                    "撤回:3", "转发:2", "引用:1", "推送:3", "通知:2", "提醒:1", "红点:2", "表情:2",
                    "表情包:3", "搜索记录:2",
                    "message:2", "chat:2", "read receipt:3", "notification:3", "recall:2", "emoji:3",
                ],
                "negative_keywords": [
                    "消息正常", "消息都能收到", "消息没问题", "聊天正常", "messages are fine",
                ],
            },
            {
                "code": "voice",
                "name_zh": "语音",
                "name_en": "Voice",
                "order": 2,
                "definition": (
                    "所有音频相关能力：一对一与多人语音通话，语音消息的录制、发送、播放、转文字，"
                    "以及任何通话或会议中的声音问题——回声、杂音、噪音、降噪、听不到或听不清、"
                    "麦克风与扬声器、听筒与外放切换、音频设备（耳机）问题。"
                    "视频会议里的声音问题也归语音，因为失效的是音频能力。"
                    "不包括：画面、摄像头、屏幕共享等视觉问题（→ 视频）；纯文字消息（→ 消息）。"
                ),
                "definition_en": (
                    "Everything audio: 1:1 and group voice calls, recording/sending/playing/transcribing voice "
                    "messages, and sound problems in any call or meeting (echo, noise, noise suppression, cannot "
                    "hear, microphone, speaker/earpiece switching, headsets). Audio problems in a video meeting "
                    "are Voice. Picture, camera and screen sharing are Video."
                ),
                "positive_examples": [
                    "语音通话的时候对方老听到自己的回声。",
                    "语音消息不能暂停，也不能拖进度条。",
                    "视频会议里我能看到对方，但听不到任何声音。",
                    "麦克风权限都开了，对方还是说我这边全是杂音。",
                    "There's a terrible echo on voice calls when using speakerphone.",
                ],
                "negative_examples": [
                    "视频通话对方看到我这边是黑屏，声音倒是正常。（→ 视频）",
                    "语音消息没问题，就是群里的文字消息老延迟。（→ 消息）",
                    "群里发的录音文件（mp3）下载失败。（→ 文件传输）",
                ],
                "keywords": [
                    "语音:2", "语音通话:3", "语音消息:3", "打电话:2", "通话:1", "回声:3", "杂音:3",
                    "噪音:3", "降噪:3", "麦克风:3", "听不到:2", "听不见:2", "听不清:3", "声音:2",
                    "没声音:3", "静音:2", "外放:2", "听筒:3", "扬声器:2",
                    "voice:2", "voice call:3", "echo:3", "microphone:3", "audio:2", "can't hear:3",
                ],
                "negative_keywords": [
                    "声音正常", "声音没问题", "能听到", "听得很清楚", "没有回声", "audio is fine",
                ],
            },
            {
                "code": "video",
                "name_zh": "视频",
                "name_en": "Video",
                "order": 3,
                "definition": (
                    "所有画面相关能力：一对一与多人视频通话，视频会议的画面与入会、会议录制，"
                    "屏幕共享，摄像头调用与切换，美颜、滤镜、虚拟背景，直播的推流与观看，"
                    "以及黑屏、花屏、画面模糊、画面卡住等视觉问题。"
                    "不包括：通话或会议中的声音问题（→ 语音）；聊天中发送视频文件（→ 文件传输）；"
                    "会议的预约账号、计费（→ 其他）。"
                ),
                "definition_en": (
                    "Everything visual: 1:1 and group video calls, meeting video and joining, meeting recording, "
                    "screen sharing, camera, beauty filters and virtual backgrounds, live streaming, and black, "
                    "garbled or blurry video. Sound problems in meetings are Voice; sending video files in chat "
                    "is File."
                ),
                "positive_examples": [
                    "视频通话对方那边一直是黑屏，摄像头权限是开着的。",
                    "屏幕共享时对方看到的是花屏。",
                    "直播的时候美颜突然失效了，观众都在弹幕里说。",
                    "开视频会议时外接摄像头识别不了，只能用笔记本自带的。",
                    "Screen sharing shows a frozen image to everyone else in the meeting.",
                ],
                "negative_examples": [
                    "视频会议里我说话大家都听不到。（→ 语音）",
                    "聊天里发的 mp4 视频文件对方打不开。（→ 文件传输）",
                    "会议纪要的 AI 总结写得牛头不对马嘴。（→ 其他）",
                ],
                "keywords": [
                    "视频:2", "视频通话:3", "视频会议:3", "会议:1", "屏幕共享:3", "共享屏幕:3",
                    "摄像头:3", "黑屏:3", "花屏:3", "画面:2", "画质:3", "美颜:3", "滤镜:2",
                    "虚拟背景:3", "直播:3", "录屏:2", "会议录制:3",
                    "video:2", "video call:3", "screen share:3", "screen sharing:3", "camera:3",
                    "live stream:3", "meeting:1",
                ],
                "negative_keywords": [
                    "画面正常", "画面没问题", "视频没问题", "画质很清楚", "video is fine",
                ],
            },
            {
                "code": "group",
                "name_zh": "群组",
                "name_en": "Group",
                "order": 4,
                "definition": (
                    "群本身的管理与群专属能力：建群、解散群，拉人、踢人、入群审批、群二维码，"
                    "群成员列表与人数上限，群主与管理员权限，@所有人/@某人提醒，群公告，禁言，群设置。"
                    "不包括：群里的文字消息收发（→ 消息）、群里的语音（→ 语音）、群文件（→ 文件传输）——"
                    "“发生在群里”不等于群组问题，要看失效的是哪项能力。"
                ),
                "definition_en": (
                    "Group management and group-only features: creating/dissolving groups, adding/removing "
                    "members, join approval, QR codes, member lists and size limits, owner/admin permissions, "
                    "@all and @mentions, announcements, muting, group settings. Ordinary messages, voice and "
                    "files inside a group belong to Messaging, Voice and File."
                ),
                "positive_examples": [
                    "管理员发@所有人，一半的人没收到提醒。",
                    "群公告修改后没有弹窗提醒，大家都没注意到。",
                    "拉人进群一直提示“操作失败”，群才 200 人。",
                    "希望群主能把管理权限分得更细，比如只允许发公告不允许踢人。",
                    "I can't remove members from the group even though I'm the admin.",
                ],
                "negative_examples": [
                    "群文件下载到一半就失败。（→ 文件传输）",
                    "群里的语音消息播放没声音。（→ 语音）",
                    "群里发的文字消息有时候要过一分钟才显示。（→ 消息）",
                ],
                "keywords": [
                    "群组:3", "群聊:2", "建群:3", "解散群:3", "群成员:3", "群主:3", "管理员:2",
                    "@所有人:3", "@全体成员:3", "群公告:3", "入群:3", "进群:3", "退群:3", "踢人:2",
                    "拉人:2", "禁言:3", "群二维码:3", "群设置:3", "群:1",
                    "group:2", "@all:3", "group admin:3", "announcement:3",
                ],
                "negative_keywords": [
                    "群没问题", "群功能正常", "不是群的问题", "单聊也",
                ],
            },
            {
                "code": "file",
                "name_zh": "文件传输",
                "name_en": "File transfer",
                "order": 5,
                "definition": (
                    "以文件或附件形式存在的内容的发送、接收、存储与查看：单聊与群聊中发文件、"
                    "群文件、云盘/网盘、图片和视频文件的上传下载、大文件与断点续传、文件预览、"
                    "文件过期与存储空间。群文件即便发生在群里，也归文件传输。"
                    "不包括：表情和表情包（→ 消息）；群公告、群成员（→ 群组）；"
                    "下载安装 App 本身（→ 其他）。"
                ),
                "definition_en": (
                    "Sending, receiving, storing and viewing files and attachments: files in 1:1 and group chats, "
                    "group files, cloud drive, image/video file upload and download, large files and resumable "
                    "transfer, previews, expiry and storage quota. Group files are File, not Group. Emoji are "
                    "Messaging; downloading the app itself is Other."
                ),
                "positive_examples": [
                    "群文件传输太慢了，一个文件传了半小时。",
                    "上传超过 1G 的文件就失败，也不能断点续传。",
                    "Excel 附件预览排版全乱了，只能下载下来看。",
                    "云盘里的文件过期被删了，都没有提前提醒。",
                    "Uploads get stuck at 99% and never finish.",
                ],
                "negative_examples": [
                    "群公告里没法插入附件，希望能加上。（→ 群组）",
                    "发表情包总是发送失败。（→ 消息）",
                    "官网下载的安装包打不开。（→ 其他）",
                ],
                "keywords": [
                    "文件:2", "群文件:3", "发文件:3", "传文件:3", "上传:3", "下载:2", "传输:2",
                    "附件:3", "云盘:3", "网盘:3", "预览:3", "大文件:3", "断点续传:3", "存储空间:2",
                    "图片:1",
                    "file:2", "upload:3", "download:2", "attachment:3", "preview:2", "cloud drive:3",
                    "group file:3",
                ],
                "negative_keywords": [
                    "文件正常", "文件都能收到", "上传没问题", "下载正常", "files are fine",
                ],
            },
            {
                "code": "other",
                "name_zh": "其他",
                "name_en": "Other",
                "order": 6,
                "definition": (
                    "不属于消息、语音、视频、群组、文件传输的所有内容：登录与注册、账号与密码、验证码、"
                    "个人资料与通用设置、会员计费与发票、安装、更新与卸载、通讯录与组织架构、"
                    "整体稳定性（如整个 App 耗电、启动慢）。"
                    "对话式 AI 能力（AI 助手、智能机器人、AI 总结、AI 翻译、智能客服）归其他，"
                    "除非它明确是某项能力的一部分（通话 AI 降噪 → 语音，虚拟背景 → 视频）。"
                    "能归入前五个模块时不要选其他。"
                ),
                "definition_en": (
                    "Everything not covered by the other five modules: login, sign-up, account and password, "
                    "verification codes, profile and general settings, billing and invoices, installation and "
                    "updates, contacts/org chart, app-wide issues (overall battery drain, slow launch). "
                    "Conversational AI (assistant, bots, AI summaries and translation) goes here unless it is "
                    "clearly part of another module (AI noise suppression → Voice, virtual background → Video)."
                ),
                "positive_examples": [
                    "收不到登录验证码，换了好几次手机号都不行。",
                    "AI 助手总结的会议要点经常漏掉关键信息。",
                    "企业版续费后发票一直没开出来。",
                    "Windows 上安装到一半就报错退出。",
                    "The AI assistant gives wrong answers when I ask about our company policy.",
                ],
                "negative_examples": [
                    "通话时的 AI 降噪把我的声音也降没了。（→ 语音）",
                    "虚拟背景把我的头发边缘抠得很难看。（→ 视频）",
                    "登录后聊天记录全没了。（→ 消息）",
                ],
                "keywords": [
                    "登录:3", "登陆:3", "注册:2", "账号:2", "密码:2", "验证码:3", "设置:1",
                    "会员:2", "发票:3", "安装:3", "通讯录:2",
                    "AI助手:3", "AI 助手:3", "智能助手:3", "机器人:2", "AI总结:3", "AI翻译:3",
                    "login:3", "sign in:3", "password:2", "account:2", "billing:3", "install:2",
                    "AI assistant:3", "chatbot:3",
                ],
                "negative_keywords": [
                    "登录正常", "能正常登录", "账号没问题", "不是登录问题",
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # 维度五：用户诉求
    # ------------------------------------------------------------------
    {
        "code": "intent",
        "name_zh": "用户诉求",
        "name_en": "Intent",
        "order": 5,
        "description": (
            "用户诉求回答“用户写这条反馈想要什么”，看的是语气和目的，与问题类型相互独立"
            "（例如一条性能问题可以是投诉，也可以是建议）。"
            "投诉：表达不满、要求解决，常带负面情绪或反问（“怎么又闪退了？”“到底能不能修？”）；"
            "建议：提出改进方案或新功能（建议、希望、能不能、要是……就好了）；"
            "咨询：真诚地提问求助（怎么、如何、请问、是不是、……吗？）；"
            "表扬：正面评价、感谢。"
            "同时出现多种语气时，按最终诉求判断：“这个功能太难用了，建议把按钮放到顶部”以提出方案为落点 → 建议；"
            "“请问你们到底什么时候修？都一个月了！”是带问号的不满 → 投诉；"
            "“先夸一句很好用，不过群文件太慢了”以问题为主 → 投诉。"
            "没有明显情绪、只是客观描述故障时，默认选投诉（用户希望问题被解决）。"
        ),
        "labels": [
            {
                "code": "complaint",
                "name_zh": "投诉",
                "name_en": "Complaint",
                "order": 1,
                "definition": (
                    "用户反映问题并希望被解决，或表达不满、失望、愤怒。"
                    "包括带情绪的抱怨、反问式质问（“怎么又……”“到底……”）、威胁卸载或换产品，"
                    "以及没有明显情绪、只是客观描述故障的报告。"
                    "不包括：以提出改进方案为落点的反馈（→ 建议）；真诚提问怎么做（→ 咨询）；"
                    "以肯定为主、顺带一句小意见的反馈（→ 表扬）。"
                ),
                "definition_en": (
                    "The user reports a problem and wants it fixed, or expresses dissatisfaction: emotional "
                    "complaints, rhetorical questions ('why does it crash again?'), threats to uninstall, and "
                    "neutral bug reports. Proposals are Suggestion; genuine how-to questions are Question; "
                    "mostly positive feedback with a small remark is Praise."
                ),
                "positive_examples": [
                    "怎么又闪退了？一天闪退五六次，还让不让人工作了！",
                    "视频会议卡成这样，太差了，再不修我们公司就换别的软件。",
                    "升级后消息收不到，已经影响到客户沟通了，请尽快处理。",
                    "群文件上传失败。",
                    "Worst update ever, calls keep dropping. Fix this!",
                ],
                "negative_examples": [
                    "要是语音消息能暂停就好了。（→ 建议）",
                    "请问怎么关闭已读回执？（→ 咨询）",
                    "新版通话清楚多了，点赞！就是图标稍微有点小。（→ 表扬）",
                ],
                "keywords": [
                    "投诉:3", "太差了:3", "垃圾:3", "差评:3", "无语:2", "受不了:3", "失望:3",
                    "烦死了:3", "气死:3", "坑爹:3", "什么破:3", "怎么又:3", "到底能不能:3",
                    "还让不让人:3", "尽快处理:2", "赶紧修:3", "卸载:1", "失败:1",
                    "terrible:3", "worst:3", "useless:3", "annoying:2", "frustrating:3",
                    "disappointed:3", "fix this:2",
                ],
                "negative_keywords": [
                    "不是投诉", "不是吐槽", "没有抱怨", "不是抱怨", "not a complaint",
                ],
            },
            {
                "code": "suggestion",
                "name_zh": "建议",
                "name_en": "Suggestion",
                "order": 2,
                "definition": (
                    "用户提出改进方案、新功能需求或期望，落点是“希望产品怎么变”。"
                    "典型句式：建议……、希望……、能不能……、可不可以……、要是……就好了、如果能……。"
                    "不包括：主要在发泄不满、要求修复故障（→ 投诉）；询问现有功能怎么用（→ 咨询）。"
                    "注意区分：“能不能加一个定时发送”是建议；“能不能告诉我怎么定时发送”是咨询。"
                ),
                "definition_en": (
                    "The user proposes an improvement, a new feature or a wish, focused on how the product "
                    "should change ('I suggest', 'I hope', 'could you', 'it would be nice if'). Venting or "
                    "demanding a fix is Complaint; asking how to use an existing feature is Question."
                ),
                "positive_examples": [
                    "建议语音消息加一个暂停和拖动进度的功能。",
                    "希望群公告可以设置成必须确认已读。",
                    "能不能支持消息定时发送？跨时区沟通很需要。",
                    "要是屏幕共享时能只共享一个窗口就好了。",
                    "It would be nice to have a dark mode on desktop.",
                ],
                "negative_examples": [
                    "定时发送的消息根本没按时发出去！（→ 投诉）",
                    "请问能不能告诉我定时发送在哪里设置？（→ 咨询）",
                    "这次的新界面好看多了，谢谢团队！（→ 表扬）",
                ],
                "keywords": [
                    "建议:3", "希望:3", "能不能:2", "可不可以:2", "就好了:3", "如果能:3", "要是能:3",
                    "加个:3", "加一个:3", "增加:2", "支持一下:2", "期待:2", "最好能:3",
                    "suggest:3", "suggestion:3", "would be nice:3", "please add:3", "feature request:3",
                    "wish:2", "it would be great:3",
                ],
                "negative_keywords": [
                    "不是建议", "不建议使用", "不推荐", "不希望再",
                ],
            },
            {
                "code": "question",
                "name_zh": "咨询",
                "name_en": "Question",
                "order": 3,
                "definition": (
                    "用户真诚地提问，想获得信息或操作指导，而不是表达不满。"
                    "典型句式：怎么……、如何……、请问……、是不是……、……在哪里、……吗？"
                    "也包括询问账号、计费、版本计划等事务性问题。"
                    "不包括：反问式的不满（“怎么又卡了？”“到底什么时候修？”→ 投诉）；"
                    "以“能不能加……”形式提出的新需求（→ 建议）。"
                ),
                "definition_en": (
                    "A genuine question seeking information or guidance ('how do I', 'where is', 'is it', "
                    "'can I'), including account, billing and roadmap questions. Rhetorical questions that "
                    "express anger are Complaint; 'could you add ...' feature requests are Suggestion."
                ),
                "positive_examples": [
                    "请问怎么把聊天记录迁移到新手机？",
                    "是不是只有群主才能修改群公告？",
                    "如何在会议中只共享一个窗口？",
                    "免费版的群文件能保存多久？",
                    "How do I turn off read receipts?",
                ],
                "negative_examples": [
                    "怎么又掉线了？你们到底有没有测试过？（→ 投诉）",
                    "能不能把群公告改成所有人都能编辑？（→ 建议）",
                    "终于知道怎么共享窗口了，这个设计真贴心！（→ 表扬）",
                ],
                "keywords": [
                    "请问:3", "如何:3", "怎么:2", "怎样:2", "是不是:2", "在哪里:2", "在哪:1",
                    "有没有:1", "吗？:2", "吗?:2", "怎么设置:3", "怎么操作:3", "能否告诉:3", "？:1", "?:1",
                    "how do i:3", "how to:3", "how can i:3", "where is:2", "is there a way:3", "can i:2",
                ],
                "negative_keywords": [
                    "怎么又", "怎么回事", "怎么搞的", "到底能不能", "不用回复", "不是问",
                ],
            },
            {
                "code": "praise",
                "name_zh": "表扬",
                "name_en": "Praise",
                "order": 4,
                "definition": (
                    "用户给出正面评价、感谢或推荐，落点是肯定。"
                    "包括对某次更新、某个功能、客服处理的夸奖，以及以肯定为主、顺带一句轻微意见的反馈。"
                    "不包括：先客套再抱怨、重点在问题上的反馈（→ 投诉）；"
                    "以提出改进为主的反馈（→ 建议）。注意“不好用”“不太满意”等否定说法不是表扬。"
                ),
                "definition_en": (
                    "Positive feedback, thanks or recommendation: praise for an update, a feature or support, "
                    "including mostly positive feedback with a minor remark. Polite openings followed by a real "
                    "problem are Complaint; improvement-focused feedback is Suggestion. Negations such as "
                    "'not good' are not praise."
                ),
                "positive_examples": [
                    "新版本视频会议流畅多了，一点都不卡，点赞！",
                    "屏幕共享终于支持只共享一个窗口了，太贴心了。",
                    "客服响应很快，问题半小时就解决了，谢谢！",
                    "用了半年，消息从来没丢过，很满意。",
                    "Love the new noise suppression, calls sound great!",
                ],
                "negative_examples": [
                    "界面挺好看的，可是发文件老失败，太耽误事了。（→ 投诉）",
                    "整体不错，建议再加个消息定时发送。（→ 建议）",
                    "一点都不好用，还不如旧版。（→ 投诉）",
                ],
                "keywords": [
                    "点赞:3", "好评:3", "五星:3", "太棒了:3", "给力:3", "满意:3", "贴心:3",
                    "好用:2", "喜欢:2", "流畅:2", "赞:2", "谢谢:1", "感谢:1", "不错:2",
                    "love:3", "great:2", "awesome:3", "excellent:3", "thanks:1", "smooth:2",
                ],
                "negative_keywords": [
                    "不好用", "不满意", "不太满意", "不喜欢", "不流畅", "不太好", "不是很好",
                    "不怎么样", "not great", "not good",
                ],
            },
        ],
    },
]
