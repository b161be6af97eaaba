"""Operator tickets in the styles real ones come in, written for the tests (no row copied from any data set).

Eight problems (the category) told in varied words, each typed into one of four styles (the form):
a provincial marketing form whose values run into the next label, a network form with yes/no
answers and a full address, free text with a contact field, and a Weibo post with emoticon codes
and a hashtag. Names arrive in clear, as operators' exports carry them (a few staff names under
操作员 in many tickets, customers under 联系人 or as 张先生), so ingest must mask them; numbers
arrive masked (<手机号>). A topic model that follows the problem groups by category; one that
follows the form groups by style.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

PLACES = [("沈阳市", "皇姑区", "长江街", "紫金英郡小区"), ("大连市", "甘井子区", "红旗西路", "阳光花园"),
          ("鞍山市", "铁东区", "胜利南路", "滨江新村"), ("苏州市", "吴中区", "东吴北路", "锦绣家园"),
          ("无锡市", "梁溪区", "人民中路", "世纪华府"), ("南京市", "鼓楼区", "中山北路", "翠竹苑")]
# Each problem is told by picking one phrasing per part, so a customer's sentence rarely repeats
# verbatim (only the form does, as in real tickets).
PROBLEMS = {
    "network": [["家里", "办公室里", "小区里", "卧室里", "地下车库"],
                ["手机信号很差", "一直没有信号", "4G信号时有时无", "信号特别弱", "手机显示无服务"],
                ["打电话经常掉线", "上不了网", "短信也收不到", "接不了电话", "视频一直卡顿"],
                ["已经{d}天了", "好几天了", "最近一直这样", "重启手机也没用", ""]],
    "broadband": [["家里宽带", "光纤宽带", "办的宽带", "家里的网"],
                  ["经常断网", "网速只有{n}M", "晚上老是掉线", "一直无法上网", "打游戏延迟很高"],
                  ["光猫亮红灯", "光猫一直闪红灯", "重启光猫也没用", "师傅{d}天了还没上门", "达不到承诺的{m}M"],
                  ["要求尽快修好", "希望派人上门", "", "要求减免宽带费"]],
    "fees": [["{mo}月份话费", "这个月的账单", "套餐外流量费", "上月月租", "话费余额"],
             ["多扣了{amt}元", "莫名少了{amt}元", "比平时多出{amt}元", "扣了{amt}元不明费用"],
             ["不知道是什么费用", "流量提醒短信没有收到", "没有任何通知", "查询详单也看不明白"],
             ["要求退费", "要求核实退还", "要求查账解释", "要求给个说法"]],
    "vas": [["手机被开通了{svc}", "莫名其妙订购了{svc}", "收到短信说已开通{svc}", "账单里出现{svc}"],
            ["每月扣{fee}元", "扣费{fee}元一个月", "连续{d}个月扣费", "自动续费"],
            ["本人不知情", "从来没有同意过", "本人没有办理过", "从来没有用过"],
            ["要求取消并退费", "要求退订并查明原因", "要求全额退还", "要求追究责任"]],
    "spam": [["每天收到{n}条", "最近频繁收到", "一天接到{n}个", "经常收到"],
             ["垃圾短信", "骚扰电话", "诈骗短信", "推销贷款的电话", "推销保险的短信"],
             ["严重影响生活", "担心个人信息泄露", "晚上也不停", "换了号码还有"],
             ["要求屏蔽发送号码", "要求加入黑名单", "要求查处", "要求拦截"]],
    "service": [["营业厅工作人员", "营业员", "客服人员", "店里的员工"],
                ["服务态度很差", "态度恶劣", "很不耐烦", "互相推诿", "对问题不理不睬"],
                ["排队{n}个小时也没办成业务", "办理业务时爱答不理", "说话很冲", "让客户来回跑了{d}次"],
                ["要求道歉", "要求处理该员工", "要求给个说法", ""]],
    "porting": [["要求携号转网", "申请携号转网", "想携号转网到其他运营商", "办理携号转网"],
                ["营业厅说有合约不给授权码", "被拒绝称有未到期的优惠活动", "查询资格时提示不符合条件",
                 "一直拿不到授权码", "被要求先交违约金"],
                ["要求解除限制", "要求尽快办理", "认为是故意刁难", ""]],
    "marketing": [["办理的{plan}活动", "参加的存话费送手机活动", "营业员推荐的{plan}", "{plan}活动"],
                  ["承诺送{gift}", "宣传的赠送流量", "说是免费", "说送{gift}"],
                  ["至今没有到账", "一直没有收到", "结果每月收费{fee}元", "到期后没有兑现"],
                  ["要求兑现承诺", "认为是虚假宣传", "要求退还费用", ""]],
}
SLOTS = {"room": ["卧室", "客厅", "楼上", "办公室", "地下室"], "svc": ["彩铃业务", "咪咕视频会员", "手机报", "游戏点播包"],
         "plan": ["流量包送好礼", "全民换4G手机", "校园卡优惠", "老用户回馈"], "gift": ["话费", "流量", "手环", "电饭煲"],
         "fee": ["5", "10", "15", "20"]}
ACTIVITIES = ["2017年流量包送好礼活动", "全民换4G手机营销活动", "存话费送宽带活动", "校园卡新生优惠活动"]
CHANNELS = ["代理商", "营业厅", "电子商务", "10086客服"]
DEMANDS = ["客户要求尽快处理", "客户非常不满要求回复", "请核实处理", "要求给个说法"]
TAGS = ["中国移动", "信号差", "乱扣费", "宽带"]
STAFF = ["李新婷", "王建国", "赵丽华"]  # invented names; each repeats under 操作员 in many tickets
CUSTOMERS = ["杨桥洪", "米柯", "孙立群", "周杰明", "钱多多"]
POLITE = ["张先生", "李女士", "刘先生", "陈女士"]


def _fill(template: str, rng: random.Random) -> str:
    values = {k: rng.choice(v) for k, v in SLOTS.items()}
    values.update(n=rng.randint(2, 30), m=rng.choice([50, 100, 200]), d=rng.randint(2, 15), mo=rng.randint(1, 12),
                  amt=rng.choice([18, 30, 58, 99, 128, 200]))
    return template.format(**values)


def ticket(category: str, style: str, rng: random.Random) -> str:
    parts = [rng.choice(p) for p in PROBLEMS[category]]
    problem = _fill("".join(p + rng.choice(["", "", ","]) for p in parts[:-1]).rstrip(",")
                    + ("," + parts[-1] if parts[-1] else ""), rng)
    city, district, street, compound = rng.choice(PLACES)
    date = f"2017年{rng.randint(1, 12):02d}月{rng.randint(1, 28):02d}日{rng.randint(8, 20)}时{rng.randint(10, 59)}分"
    if style == "marketing_form":
        return (f"主活动名称:{rng.choice(ACTIVITIES)}主活动ID:6000{rng.randint(10 ** 7, 10 ** 8 - 1)}渠道类型:"
                f"{rng.choice(CHANNELS)}活动或业务办理时间:{date}客户问题描述:{problem},{rng.choice(DEMANDS)}。"
                f"我处查询知识库,无相关网络调整信息。操作员:{rng.choice(STAFF)}操作员组织:{city}分公司")
    if style == "network_form":
        return (f"客户于{date}反映{city}{district}{street}{compound}{rng.randint(1, 30)}栋{problem}。"
                f"智能处理轨迹:账号状态是否正常(CRM):{rng.choice('是是否')};是否有大面积障碍:否;"
                f"联系电话:<手机号>。请按照如下口径向客户解释。")
    if style == "free_text":
        if rng.random() < 0.5:
            return f"{rng.choice(POLITE)}来电反映{district}{problem},{rng.choice(DEMANDS)}。联系电话:<手机号>"
        return f"客户来电反映{district}{problem},{rng.choice(DEMANDS)}。联系人:{rng.choice(CUSTOMERS)} 联系电话:<手机号>"
    return f"<账号> {problem}[怒][{rng.choice(['泪', '抓狂', '衰'])}] #{rng.choice(TAGS)}#"


STYLES = ("marketing_form", "network_form", "free_text", "weibo")


def tickets(n: int, seed: int = 0, start: str = "2026-06-01") -> pd.DataFrame:
    """n tickets, categories and styles crossed at random: id, received date, text, category, style."""
    rng = random.Random(seed)
    rows = []
    day0 = pd.Timestamp(start)
    for i in range(n):
        cat, style = rng.choice(list(PROBLEMS)), rng.choice(STYLES)
        rows.append({"工单编号": f"R{seed}-{i:05d}", "受理时间": str(day0 + pd.Timedelta(hours=7 * i)),
                     "投诉内容": ticket(cat, style, rng), "category": cat, "style": style})
    return pd.DataFrame(rows)


def fixture_lines(name: str) -> list[str]:
    path = Path(__file__).with_name("data") / name
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]


def write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False, encoding="utf-8")
    return path
