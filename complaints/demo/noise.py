"""Noise on complaint texts, as operators' exports have it: planted personal data, traditional characters,
full-width digits, HTML remnants, emoji, stray line breaks; and the near-identical edit of a complaint
re-filed through another channel.

Every function draws from the caller's seeded ``random.Random`` in a fixed order (the generated files
depend on it) and `_add_noise` records what it planted, so the ground truth can list it.
"""

from __future__ import annotations

import random

from .pii import _bank_card, _email, _fmt_mobile, _id_card
from .vocabulary import (AGENT_PREFIX, CHANNELS, EMOJI, SHOP_PREFIX, WEIBO_SUFFIX, _MOBILE_PREFIXES, _OTHER_PREFIXES,
                         _TRAD_PAIRS)

_TRAD_MAP = {ord(p[0]): p[1] for p in _TRAD_PAIRS.split() if p[0] != p[1]}


def to_traditional(text: str) -> str:
    """Crude simplified -> traditional conversion with the built-in character map."""
    return text.translate(_TRAD_MAP)


_FULLWIDTH = {i: i + 0xFEE0 for i in list(range(0x30, 0x3A)) + list(range(0x41, 0x5B)) + list(range(0x61, 0x7B))}


def _add_noise(r: random.Random, text: str, i: int, ch: int, own: str, area: str, noise: dict) -> str:
    name = CHANNELS[ch]
    online = name in ("手机营业厅APP", "网上营业厅", "微博", "黑猫投诉")
    agentish = name in ("10086热线", "营业厅") and text.startswith(tuple(AGENT_PREFIX + SHOP_PREFIX))
    # personal data
    k = r.random()
    if k < 0.075:
        num = own if r.random() < 0.55 else (r.choice(_MOBILE_PREFIXES + _OTHER_PREFIXES)
                                             + f"{r.randint(0, 99999999):08d}")
        num = _fmt_mobile(r, num)
        if agentish:
            piece = r.choice(["用户联系电话：{}", "回访号码{}", "用户留的联系号码{}"]).format(num)
        else:
            piece = r.choice(["联系电话{}", "我的电话{}，请回电", "回电请打{}", "有事打我电话：{}",
                              "号码{}也是一样的情况", "我家人的号码{}也被扣了"]).format(num)
        text = _insert(r, text, piece)
        noise["phone"].append(i)
    elif k < 0.10:
        land = f"{area}-{r.randint(2, 8)}{r.randint(0, 9999999):07d}"
        piece = r.choice(["家里座机{}", "联系座机：{}", "单位电话{}"]).format(land)
        text = _insert(r, text, piece)
        noise["landline"].append(i)
    k = r.random()
    if k < 0.01:
        text = _insert(r, text, r.choice(["身份证号{}", "机主身份证{}", "本人身份证号码：{}"]).format(_id_card(r)))
        noise["id_card"].append(i)
    elif k < 0.02:
        text = _insert(r, text, r.choice(["退款请打到我的银行卡{}", "银行卡号{}", "扣款银行卡{}"]).format(_bank_card(r)))
        noise["bank_card"].append(i)
    elif k < 0.03:
        text = _insert(r, text, r.choice(["处理结果发我邮箱{}", "邮箱：{}", "详单发到{}"]).format(_email(r)))
        noise["email"].append(i)
    # character-level noise
    if r.random() < 0.03:
        trad = to_traditional(text)
        if trad != text:
            text = trad
            noise["traditional"].append(i)
    if r.random() < 0.02:
        text = text.translate(_FULLWIDTH)
        noise["fullwidth"].append(i)
    if r.random() < (0.07 if name in ("网上营业厅", "手机营业厅APP") else 0.004):
        text = _htmlify(r, text)
        noise["html"].append(i)
    if r.random() < (0.25 if name == "微博" else 0.03 if online else 0.003):
        e = r.choice(EMOJI) * r.randint(1, 3)
        text = text + e if r.random() < 0.6 else e + text
        noise["emoji"].append(i)
    if online and r.random() < 0.006 and "，" in text:
        p = text.index("，")
        text = text[:p + 1] + r.choice(["\n", "\r\n"]) + text[p + 1:]
        noise["newline"].append(i)
    return text


def _insert(r: random.Random, text: str, piece: str) -> str:
    """Insert a clause before the final punctuation, or at a comma."""
    tail = ""
    for suffix in WEIBO_SUFFIX:
        if suffix and text.endswith(suffix):
            text, tail = text[: -len(suffix)], suffix
            break
    if r.random() < 0.6 or "，" not in text:
        end = len(text)
        while end > 0 and text[end - 1] in "。！!~😡🙏😤💢👎😭🤬😓":
            end -= 1
        return text[:end] + "，" + piece + text[end:] + tail
    p = text.index("，")
    return text[:p + 1] + piece + "，" + text[p + 1:] + tail


def _htmlify(r: random.Random, text: str) -> str:
    k = r.random()
    if k < 0.4:
        return text.replace("，", "，<br>", 1).replace("。", "。<br/>", 1)
    if k < 0.7:
        return text.replace("，", "&nbsp;", 1) + r.choice(["<br>", "&nbsp;", "<br/><br/>"])
    return "<p>" + text.replace("。", "。</p><p>", 1) + "</p>"


def _repeat_edit(r: random.Random, text: str, channel: str) -> str:
    """A near-identical re-submission: small punctuation edits and an urgency marker."""
    out = text
    edits = r.sample(range(5), r.randint(1, 2))
    for e in edits:
        if e == 0:
            out = r.choice(["急！", "急急急！", "再次反映：", "第二次投诉，", "【重复投诉】"]) + out
        elif e == 1:
            out = out.replace("，", ",", 1)
        elif e == 2:
            out = out.rstrip("。！~") + r.choice(["！！", "，之前反映过一直没人处理！", "。急！", "？？"])
        elif e == 3:
            out = out.replace("。", "！", 1)
        else:
            out = out.replace("，", "。", 1) if "，" in out else out + "。"
    if channel == "微博" and not out.startswith("@"):
        out = "@中国移动 " + out
    return out
