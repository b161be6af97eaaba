"""Personal names and staff ids in complaint text: found by the forms tickets write them in.

Operator tickets name people in two ways: in a field (用户姓名:杨桥洪, 联系人：王晓明, 操作员:张爽渠道类型…)
and with an honorific (张先生, 李女士, 王师傅, 刘经理, 某某经理). A name has no shape of its own, so
the rules lean on those cues and on the family name: a field value is a name when it starts with
a Chinese family name (explicit name fields such as 姓名/联系人/操作员 accept any two to four
characters that are not a placeholder word like 无/不详/先生), and a name ends where the next field
label or a verb begins (操作员:张爽渠道类型 keeps 渠道类型). An honorific needs a family name right
before it; only 先生/女士/小姐 take a given name too (王晓明先生), because before a job title the
characters are usually a word (安装师傅, 客户经理). Staff ids follow 工号. The field label stays,
the value becomes `<姓名>` / `<工号>`: what kind of person was named is useful, who is not.
"""

from __future__ import annotations

import re

NAME_PLACEHOLDERS = {"name": "<姓名>", "staff_id": "<工号>"}
NAME, STAFF = NAME_PLACEHOLDERS["name"], NAME_PLACEHOLDERS["staff_id"]

# Family names, most common first (they cover about nine in ten people). Characters that are far
# more often a word than a family name before 先生/经理 (和, 向, 区, 位, 门, 司 …) are left out of
# `_CUE_SURNAMES`, used where a surname is the only evidence of a name.
_COMMON = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁萧代"
           "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
           "戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
           "童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农卓吉缪简项芦麦褚娄"
           "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋刁巫寇桑郎甄丛仲虞敖巩佘池查苑迟邝"
           "封谈匡鞠惠荆冀郁胥储栗燕楚鄢谌奚皮粟冼蔺楼盘闻厉伊仝郜阚帅屠豆朴练廉禹祖漆巴卿狄晋扈晁芮"
           "阙浦戈伏鹿邸雍辜裘亓邰赫况逯隆茹诸慕嵇湛宾戎勾茅揭尉冶檀")
# Also family names, but as often (or more) the first character of an ordinary word: only trusted
# after an explicit name field (姓名:/联系人:/操作员: …).
_AMBIGUOUS = "和向区位门司单车关连全明成国平信利元由公相海云花强来都应修商管班时路南乐原满计支宣初容敬普鲜印战危玉银亢哈公展智幸奉植衡富尧闭"
# Family names that as often begin an ordinary word after a role or before a job title (解释, 查询,
# 安排, 方便, 费用, 刁难 …): trusted before 先生/女士/小姐 only.
_VERBISH = "解查方安费包尚符毕游迟封谈储党盘万宁甘刁楼厉简边常齐易"
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙", "宇文",
             "司徒", "端木", "申屠", "轩辕", "澹台", "西门", "南宫", "独孤", "呼延", "第五")
_COMPOUNDS = "|".join(_COMPOUND)
_POLITE_SURNAME = f"(?:{_COMPOUNDS}|[{_COMMON}])"
_CUE_SURNAME = f"(?:{_COMPOUNDS}|[{''.join(c for c in _COMMON if c not in _VERBISH)}])"
_ANY_SURNAME = f"(?:{_COMPOUNDS}|[{_COMMON}{_AMBIGUOUS}])"

_GIVEN = r"[\u4e00-\u9fff?？*＊]"  # a given-name character, or one the export already masked (王？？婷)
# What follows a name in a ticket, never part of it: the next field label, a verb, a pronoun.
_STOP = ("渠道", "录音", "联系", "电话", "手机", "号码", "地址", "账号", "帐号", "工号", "归属", "身份", "证件", "客户",
         "用户", "机主", "反映", "来电", "投诉", "表示", "要求", "称", "说", "讲", "问", "先生", "女士", "小姐",
         "师傅", "经理", "办理", "受理", "处理", "回复", "致电", "现在", "目前", "当时", "今天", "昨天", "于", "在",
         "的", "已", "等", "和", "与", "及", "对", "因", "是", "为", "有", "无", "不", "了", "也", "都", "就", "还",
         "请", "您", "你", "我", "他", "她", "业务", "宽带", "套餐", "流量", "话费", "信号", "网络", "性别", "年龄",
         "特征")
# ... and what shows the value was a place or an office, not a person (客户:邢台市…, 客户:吴桥分公司…).
_PLACE = ("市", "县", "区", "省", "镇", "乡", "村", "路", "街", "分公司", "公司", "营业", "通讯", "集团")
_STOP_RE = re.compile("|".join(sorted(map(re.escape, _STOP + _PLACE), key=len, reverse=True)))
# Values after a name field that are not names.
_NOT_NAMES = ("无", "不详", "未知", "不知", "不清楚", "暂无", "没有", "匿名", "本人", "机主", "客户", "用户", "先生",
              "女士", "小姐", "同上", "空", "无法提供", "未提供", "不提供", "保密", "略", "工号", "马上")

# Explicit name fields: any name-like value. Fields whose label is also a common word (客户, 用户):
# only a value that starts with a family name (客户:要求退费 and 用户:反映… are not names).
_NAME_FIELDS = ("用户姓名", "客户姓名", "机主姓名", "联系人姓名", "投诉人姓名", "营业员姓名", "姓名", "联系人",
                "机主", "操作员", "受理人", "受理员", "营业员", "经办人", "投诉人", "申请人", "办理人", "业务员",
                "派单人", "处理人", "回访人", "报障人", "申告人", "被投诉人", "责任人")
_WORD_FIELDS = ("客户名称", "客户", "用户")
_SEP = r"\s*[:：(（]\s*"
_FIELD = re.compile("(?:" + "|".join(sorted(_NAME_FIELDS, key=len, reverse=True)) + ")" + _SEP + f"(?={_GIVEN})"
                    + f"|姓名(?={_CUE_SURNAME}{_GIVEN})")  # 姓名熊兴杰部门…: a 姓名 label needs no colon
_WORD_FIELD = re.compile("(?:(?:" + "|".join(_WORD_FIELDS) + ")" + _SEP + "|姓名(?:是|为|叫)|(?:工作人员|营业员|客服)叫)"
                         + f"(?={_CUE_SURNAME}{_GIVEN})")
# A role right before a name, the name ending at punctuation or a verb: 操作员张彩鹏(…, 客户经理李云东处办理.
_ROLES = ("操作员", "营业员", "客户经理", "客服经理", "工作人员", "客服代表", "装维人员", "维修人员", "经办人", "受理人")
_ROLE = re.compile("(?P<role>" + "|".join(_ROLES) + rf")(?P<name>{_CUE_SURNAME}[\u4e00-\u9fff]{{1,2}})"
                   r"(?=[^\u4e00-\u9fff]|$|处|说|告知|告诉|表示|称|答应|承诺|让)")
_VALUE = re.compile(r"[\u4e00-\u9fff?？*＊]{2,8}")
# Honorifics: a family name (and, before 先生/女士/小姐, a given name) or 某/某某. 先生/女士/小姐 go with
# the name (they only say it was a person); a job title stays, it says who the complaint is about.
_POLITE = re.compile(rf"(?:{_POLITE_SURNAME}{_GIVEN}{{0,2}}|某{{1,2}})(?:先生|女士|小姐)")
_TITLE = re.compile(rf"(?:{_CUE_SURNAME}|某{{1,2}})(?=师傅|经理|主任|老师|阿姨|工程师)")
_ID = r"(?:[A-Za-z]{0,4}\d{3,12}[A-Za-z]?|\*{3,})"  # ******: an id the export already masked
_STAFF = re.compile(rf"(?P<label>工号\s*(?:[:：(（]|为|是)?\s*)(?P<value>{_ID}(?:[/、]{_ID})*)(?![\dA-Za-z])"
                    # 工号为24001545程洪霞。: the name that follows the id
                    rf"(?P<name>{_CUE_SURNAME}{_GIVEN}{{1,2}}(?![\u4e00-\u9fff]))?")
# A name right before a staff login in brackets, masked or not: 刘亚宾(d******), 常志敏(******).
_LOGIN = re.compile(rf"{_CUE_SURNAME}[\u4e00-\u9fff]{{1,2}}(?=\((?:[A-Za-z]{{0,6}}\*{{3,}}|[a-z]{{2,}}\d*)\))")
_POLITE_CUE = re.compile("先生|女士|小姐")
_TITLE_CUE = re.compile("师傅|经理|主任|老师|阿姨|工程师")
_CUE = re.compile("工号|姓名|联系人|机主|操作员|受理|营业员|经办人|投诉人|申请人|办理人|业务员|人员|客服|派单人|处理人|"
                  "回访人|报障人|申告人|责任人|客户|用户|先生|女士|小姐|师傅|经理|主任|老师|阿姨|工程师|"
                  r"\((?:[A-Za-z]{0,6}\*{3}|[a-z]{2,}\d*\))")


def _name_length(value: str, surname_first: bool) -> int:
    """How many leading characters of a field value are a name (2-4), 0 when they are none."""
    lead = _STOP_RE.match(value)
    if lead is not None and len(lead.group()) > 1:  # 工号…, 信号不好, 客户…: a word, not a name
        return 0
    m = re.match(_ANY_SURNAME, value) if surname_first else None
    stop = _STOP_RE.search(value, m.end() if m else 1)  # a name's first character never starts a stop word
    if stop is not None and stop.group() in _PLACE:
        return 0  # 邢台市, 吴桥分公司: a place or an office
    name = value[: stop.start()] if stop else value
    if len(name) < 2:
        return 0
    if len(name) > 4:  # no stop word within reach: a name is the first two to four characters
        return 0 if stop is not None else min(len(name), 3)
    if name in _NOT_NAMES or any(name.startswith(w) for w in _NOT_NAMES if len(w) > 1):
        return 0
    return len(name)


def _mask_fields(text: str, rx: re.Pattern, surname_first: bool, found: set[str]) -> str:
    out, pos = [], 0
    for m in rx.finditer(text):
        if m.start() < pos:
            continue
        start = m.end()
        while start < len(text) and text[start] in "*＊?？":  # ******凌铭隆: the export masked part of it
            start += 1
        value = _VALUE.match(text, start)
        n = _name_length(value.group(), surname_first) if value else 0
        if n and text[start + n:start + n + 1] in (":", "："):  # 处理人:支撑评价:10分: the next field's label
            n = 0
        if n:
            found.add(text[start:start + n])
            out += [text[pos:start], NAME]
            pos = start + n
    return "".join(out) + text[pos:]


def has_name_cue(text: str) -> bool:
    return _CUE.search(text) is not None


def mask_names(text: str) -> str:
    """Replace staff ids with <工号> and personal names with <姓名> (field labels and job titles stay).
    A full name found once is masked wherever else it occurs in the same text (李云东又通知…)."""
    found: set[str] = set()

    def keep(name: str | None) -> str:
        if name:
            found.add(name)
        return NAME

    if "工号" in text:
        text = _STAFF.sub(lambda m: m.group("label") + STAFF + (keep(m.group("name")) if m.group("name") else ""),
                          text)
    text = _mask_fields(text, _FIELD, False, found)
    text = _mask_fields(text, _WORD_FIELD, True, found)
    text = _ROLE.sub(lambda m: m.group() if m.group("name") in _NOT_NAMES else m.group("role") + keep(m.group("name")),
                     text)
    if "(" in text:
        text = _LOGIN.sub(lambda m: m.group() if _place(m.group()) else keep(m.group()), text)
    if _POLITE_CUE.search(text):
        text = _POLITE.sub(lambda m: _honorific(m, found), text)
    if _TITLE_CUE.search(text):
        text = _TITLE.sub(_honorific, text)
    for name in sorted((n for n in found if len(n) >= 2 and not set(n) <= set("*＊?？")), key=len, reverse=True):
        text = text.replace(name, NAME)
    return text


def _place(value: str) -> bool:
    return any(p in value[1:] for p in _PLACE)


def _honorific(m: re.Match, found: set[str] | None = None) -> str:
    """谢谢师傅 and 常常…: a doubled character is a word, not a family name. A full name before
    先生/女士/小姐 (李正华先生) is remembered, to be masked elsewhere in the text too."""
    s = m.string
    if m.start() > 0 and s[m.start() - 1] == s[m.start()]:
        return m.group()
    if found is not None:
        found.add(re.sub("(?:先生|女士|小姐)$", "", m.group()))
    return NAME
