"""Fake personal data for the complaint texts: ID cards with a valid check digit, Luhn-valid bank cards,
e-mail addresses, mobile numbers in the spellings customers type.

Shaped like the real thing so the masking stage is tested on it; every value comes from the caller's
seeded ``random.Random`` (the order of the draws is part of the output).
"""

from __future__ import annotations

import random

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_REGIONS = ["330102", "330106", "330108", "330110", "330203", "330212", "330302", "330402", "330502",
               "330602", "330702", "330782", "330802", "330902", "331002", "331102"]


def _id_card(r: random.Random) -> str:
    y = r.randint(1955, 2005)
    body = f"{r.choice(_ID_REGIONS)}{y}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
    s = sum(int(ch) * w for ch, w in zip(body, _ID_WEIGHTS))
    return body + _ID_CHECK[s % 11]


def _bank_card(r: random.Random) -> str:
    prefix = r.choice(["622202", "622848", "621700", "622588", "622609", "621226", "623668", "621483"])
    length = r.choice([16, 19, 19])
    digits = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def _email(r: random.Random) -> str:
    if r.random() < 0.35:
        return f"{r.randint(10000000, 2999999999)}@qq.com"
    name = r.choice(["zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun"])
    name += r.choice(["", "_", "."]) + r.choice(["wei", "fang", "jun", "min", "jing", "lei", "yan", "hz", "nb"])
    return f"{name}{r.randint(1, 2005)}@" + r.choice(["163.com", "126.com", "qq.com", "sina.com", "139.com", "outlook.com"])


def _fmt_mobile(r: random.Random, number: str) -> str:
    k = r.random()
    if k < 0.86:
        return number
    if k < 0.91:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if k < 0.96:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return "+86" + number
