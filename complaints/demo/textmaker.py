"""The complaint text maker: fills per-pain-point templates and slot vocabulary, then dresses the text in its
channel's style (agent-written hotline summaries, first-person app and web texts, Weibo posts, regulator
appeals, 黑猫投诉 forms).

One class holds the slot functions and the composition rules so the order of the random draws, which the
generated files depend on, is in one place; the phrasing itself lives in vocabulary.py.
"""

from __future__ import annotations

import random
import string
from datetime import timedelta
from typing import Callable

from .vocabulary import (AGENT_CLOSERS, AGENT_DEMAND, AGENT_ESCALATE, AGENT_PREFIX, AGENT_THREATS, CHANNELS,
                         CHURN_THREATS, CITIES, CLOSERS, DEMANDS, EMERGING_TEMPLATES, ESCALATIONS, FEELINGS,
                         FRAGMENTS, HISTORY, LEX, NET_ANGER, OPENERS, OPENERS_LOYAL, PLANS, REGULATOR_PREFIX,
                         SHOP_PREFIX, SHORT_TEMPLATES, TEMPLATES, WEIBO_PREFIX, WEIBO_SUFFIX, _ALL_KEYS,
                         _EMERGING_IDX, _PADS)

_FORMATTER = string.Formatter()


class _TextMaker:
    """Builds complaint texts; every random choice comes from one seeded ``random.Random``."""

    def __init__(self, rnd: random.Random):
        self.r = rnd
        self._fields: dict[str, list[str]] = {}
        self._plans = [p[0] for p in PLANS]
        self._plan_price = {p[0]: p[1] for p in PLANS}
        self._districts = {c[0]: c[3] for c in CITIES}
        self._area = {c[0]: c[2] for c in CITIES}
        self.fns: dict[str, Callable[[dict], str]] = {
            "place": self._place, "city": lambda c: c["city"], "plan": lambda c: c["plan"],
            "plan_up": self._plan_up, "plan_low": self._plan_low, "date": self._date,
            "amount": self._amount, "amount_small": self._amount_small, "amount_big": self._amount_big,
            "n_times": self._n_times, "n_ord": lambda c: str(self.r.randint(2, 6)),
            "duration": self._duration, "days": lambda c: str(self.r.randint(3, 30)),
            "months": lambda c: self.r.choice(["两", "三", "四", "五", "六", "八", "3", "5", "6"]),
            "hours": lambda c: self.r.choice(["一", "两", "三", "1", "2", "3", "好几"]),
            "minutes": lambda c: self.r.choice(["10", "15", "20", "30", "40", "二十多", "四十多"]),
            "speed_low": lambda c: self.r.choice(["1M", "2M", "几百K", "500K", "不到5M", "十几兆", "0.5Mbps", "3Mbps"]),
            "years": lambda c: str(c["years"]),
            "spam_number": self._spam_number, "shop": self._shop,
        }

    # -- slots -------------------------------------------------------------------------------------
    def _place(self, c):
        r = self.r
        d = r.choice(self._districts[c["city"]])
        k = r.random()
        if k < 0.45:
            return d + r.choice(LEX["community"])
        if k < 0.65:
            return d + r.choice(LEX["community"]) + f"{r.randint(1, 30)}幢"
        if k < 0.85:
            return d + r.choice(LEX["poi"])
        return c["city"] + d

    def _shop(self, c):
        r = self.r
        return r.choice(self._districts[c["city"]]) + r.choice(LEX["road"]) + r.choice(["营业厅", "营业厅", "旗舰店", "自有厅"])

    def _plan_up(self, c):
        price = self._plan_price.get(c["plan"], 50)
        ups = [p for p in self._plans if self._plan_price[p] > price] or self._plans
        return self.r.choice(ups)

    def _plan_low(self, c):
        price = self._plan_price.get(c["plan"], 50)
        lows = [p for p in self._plans if self._plan_price[p] < price] or self._plans
        return self.r.choice(lows)

    def _date(self, c):
        r = self.r
        k = r.random()
        if k < 0.15:
            return r.choice(["前天", "上周", "上个星期", "昨天", "上个月", "月初"])
        d = c["date"] - timedelta(days=r.randint(1, 45))
        if k < 0.55:
            return f"{d.month}月{d.day}日"
        if k < 0.85:
            return f"{d.month}月{d.day}号"
        return f"{d.month}.{d.day}"

    def _amount(self, c):
        r = self.r
        x = r.uniform(5, 300)
        k = r.random()
        if k < 0.6:
            return str(int(x))
        if k < 0.85:
            return f"{x:.1f}"
        return f"{x:.2f}"

    def _amount_small(self, c):
        r = self.r
        if r.random() < 0.6:
            return r.choice(["5", "6", "8", "9.9", "10", "15", "19.9", "20", "25", "29.9", "30", "3"])
        return str(r.randint(2, 30))

    def _amount_big(self, c):
        r = self.r
        x = r.uniform(100, 3000) if r.random() < 0.3 else r.uniform(100, 600)
        return str(int(x)) if r.random() < 0.7 else f"{x:.2f}"

    def _n_times(self, c):
        r = self.r
        if r.random() < 0.6:
            return r.choice(["两", "三", "四", "五", "好几", "七八", "十几", "无数"])
        return str(r.randint(2, 9))

    def _duration(self, c):
        return self.r.choice(["两天", "三天", "一个星期", "一个多星期", "十来天", "半个月", "二十多天", "一个月",
                              "一个多月", "两个月", "三个多月", "半年", "大半年", "好几个月", "5天", "10天", "20多天"])

    def _spam_number(self, c):
        r = self.r
        k = r.random()
        if k < 0.35:
            return "95" + "".join(r.choice("0123456789") for _ in range(r.randint(3, 6)))
        if k < 0.6:
            return f"400-{r.randint(100, 999)}-{r.randint(1000, 9999)}"
        return r.choice(["170", "171", "162", "165"]) + "".join(r.choice("0123456789") for _ in range(8))

    # -- filling -----------------------------------------------------------------------------------
    def fill(self, template: str, ctx: dict) -> str:
        fields = self._fields.get(template)
        if fields is None:
            fields = [f for _, f, _, _ in _FORMATTER.parse(template) if f]
            self._fields[template] = fields
        if not fields:
            return template
        vals = {}
        for f in fields:
            fn = self.fns.get(f)
            if fn is not None:
                vals[f] = fn(ctx)
            else:
                v = self.r.choice(LEX[f])
                vals[f] = self.fill(v, ctx) if "{" in v else v
        return template.format(**vals)

    def pick(self, options: list[str], ctx: dict) -> str:
        return self.fill(self.r.choice(options), ctx)

    # -- composition -------------------------------------------------------------------------------
    def core(self, pp: int, ctx: dict, short: bool) -> str:
        key = _ALL_KEYS[pp]
        if pp == _EMERGING_IDX:
            return self.pick(EMERGING_TEMPLATES, ctx)
        if short:
            return self.pick(SHORT_TEMPLATES[key], ctx)
        return self.pick(TEMPLATES[key], ctx)

    def compose(self, pp: int, sec: int, channel: int, ctx: dict, threat: bool) -> str:
        """One complaint text, 15-200 characters before personal-data / markup noise."""
        for _ in range(4):
            text = self._compose(pp, sec, channel, ctx, threat)
            if len(text) <= 185:
                break
        while len(text) < 15:
            text = text.rstrip("。！~") + "，" + self.r.choice(_PADS)
        return text

    def _compose(self, pp: int, sec: int, channel: int, ctx: dict, threat: bool) -> str:
        r = self.r
        key = _ALL_KEYS[pp]
        ch = CHANNELS[channel]
        online = ch in ("手机营业厅APP", "网上营业厅", "微博")
        short = online and r.random() < 0.15
        core = self.core(pp, ctx, short)
        # a second complaint sentence about the same pain point makes some texts longer
        if not short and pp != _EMERGING_IDX and r.random() < 0.22:
            extra = self.pick(TEMPLATES[key], ctx)
            if extra != core:
                core = core + "，而且" + extra
        second = ("，另外" + self.pick(FRAGMENTS[_ALL_KEYS[sec]], ctx)) if sec >= 0 else ""

        if ch in ("10086热线", "营业厅"):
            agent = ch == "营业厅" or r.random() < 0.75
            if agent:
                body = core + second
                if r.random() < 0.6:
                    body = body.replace("我们", "用户").replace("我", "其").replace("你们", "我司")
                prefix = r.choice(SHOP_PREFIX if ch == "营业厅" else AGENT_PREFIX)
                parts = [prefix + body]
                if r.random() < 0.7:
                    parts.append(r.choice(AGENT_DEMAND) + self.pick(DEMANDS[key], ctx))
                if threat:
                    parts.append(r.choice(AGENT_THREATS))
                elif r.random() < 0.2:
                    parts.append(self.pick(AGENT_ESCALATE, ctx))
                closer = r.choice(AGENT_CLOSERS)
                return "，".join(parts) + ("，" + closer if closer else "。")
        if ch == "工信部申诉":
            text = r.choice(REGULATOR_PREFIX) + core + second + "。"
            if threat:
                text += self.pick(CHURN_THREATS, ctx) + "。"
            return text + "诉求：" + self.pick(DEMANDS[key], ctx) + "。"
        if ch == "黑猫投诉":
            text = "【投诉对象】" + r.choice(["中国移动", "浙江移动", f"{ctx['city']}移动"]) + "【投诉问题】" + core + second
            if threat:
                text += "，" + self.pick(CHURN_THREATS, ctx)
            return text + "【投诉要求】" + self.pick(DEMANDS[key], ctx)

        # first person: app, web, weibo, and the rest of the hotline
        parts = []
        op = self.pick(OPENERS_LOYAL, ctx) if (ctx["years"] >= 5 and r.random() < 0.12) else self.pick(OPENERS, ctx)
        body = core + second
        if r.random() < 0.3:
            feel = r.choice(NET_ANGER) if key in ("network", "broadband") and r.random() < 0.5 else r.choice(FEELINGS)
            if r.random() < 0.5:
                body = feel + "！" + body
            else:
                body = body + "，" + feel
        parts.append(op + body)
        if not short and r.random() < 0.12:
            parts.append(self.pick(HISTORY, ctx))
        if threat:
            parts.append(self.pick(CHURN_THREATS, ctx))
        elif not short and r.random() < 0.25:
            parts.append(self.pick(ESCALATIONS, ctx))
        closer = self.pick(CLOSERS, ctx)
        if closer:
            parts.append(closer)
        text = "，".join(parts) + r.choice(["。", "！", "！！", "", "。", "~"])
        if ch == "微博":
            text = r.choice(WEIBO_PREFIX) + text + r.choice(WEIBO_SUFFIX)
        return text
