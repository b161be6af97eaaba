"""The retention team's call list: at-risk customers with their phone numbers and a suggested action.

The library holds customer keys only as keyed hashes. The operator's own customer file
(`--customers-file 用户资料.csv`) is read here, in memory, each number hashed with the library's
key and joined to the at-risk list; the numbers go into the call list file the analyst asked for and
nowhere else — nothing is written to the library, no number is printed or logged.

The suggested action per pain point is the optional `action:` of each entry in
lexicons/painpoints.yaml (analysts edit it); non-complaint drivers (a port-out request in progress, a
contract ending …) have their own actions below.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..config import Library
from ..errors import InputFileError
from ..ingest.keys import CustomerKeyer, KeyCellError, canonical_number, is_personal_number
from ..ingest.readers import read_table
from ..ingest.schema import CUSTOMER, map_columns
from ..text.lexicons import lexicon_dir

DRIVER_ACTIONS = {
    "driver:port_out": "携出申请进行中：当天外呼了解原因，给出明确、一次性的留网方案",
    "driver:contract": "合约到期前后：提前推荐续约或更合适的套餐",
    "driver:tenure": "新入网客户：回访使用体验，确认套餐与网络满足需要",
    "driver:tenure_long": "老客户：致谢在网，提供老客户专属优惠或套餐升级",
    "driver:plan": "套餐匹配度：测算用量，推荐更合适的套餐",
    "driver:arpu": "消费变化：核对近期账单，推荐更合适的套餐或优惠",
    "driver:region": "所在区域：核查该地市的网络与服务问题",
    "driver:ported_in": "携入客户：回访首月体验",
    "complaints": "近期投诉：回访客户，督办未办结的投诉",
}


def load_actions(lexicons: str | None = None) -> dict[str, str]:
    """Pain point key -> suggested action, from the optional `action:` fields of painpoints.yaml."""
    path = lexicon_dir(lexicons) / "painpoints.yaml"
    try:
        items = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("painpoints") or []
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise InputFileError(f"{path}: not a valid pain-point taxonomy ({exc})") from None
    return {str(p["key"]): str(p["action"]).strip() for p in items
            if isinstance(p, dict) and "key" in p and str(p.get("action") or "").strip()}


def suggested_actions(reason_keys: list[str], actions: dict[str, str], tenure_days=None) -> str:
    """The actions for a customer's reasons, in the reasons' order, each once. Complaining as a whole
    (`complaints:KEY,KEY`) gets the actions of the pain points complained about."""
    out: list[str] = []
    for key in reason_keys:
        if key.startswith("pp:"):
            found = [actions.get(key[3:])]
        elif key.startswith("complaints"):
            pps = [k for k in key.partition(":")[2].split(",") if k]
            found = [actions.get(k) for k in pps if actions.get(k)] or [DRIVER_ACTIONS["complaints"]]
        elif key == "driver:tenure" and tenure_days is not None and not pd.isna(tenure_days) and tenure_days >= 730:
            found = [DRIVER_ACTIONS["driver:tenure_long"]]
        else:
            found = [DRIVER_ACTIONS.get(key)]
        out += [a for a in found if a and a not in out]
    return "；".join(out)


def read_numbers(library: Library, path: str | Path, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Library key -> phone number (as dialled: digits only) from the operator's customer file, in memory."""
    table = read_table(path)
    mapping = map_columns(CUSTOMER, list(table.frame.columns), Path(path).name, overrides)
    keyer = CustomerKeyer(library.hash_key(), hash_all=library.format() >= 2)  # the keys ingest gave them
    out: dict[str, str] = {}
    for raw in table.frame[mapping["customer_key"]].tolist():
        try:
            key = keyer(raw)
        except KeyCellError:  # two numbers in one cell: no customer of the library
            continue
        number = canonical_number(str(raw).strip())
        if key is not None and key not in out and is_personal_number(number):  # a number to dial
            out[key] = number
    return out


def call_list(frame: pd.DataFrame, numbers: dict[str, str] | None, actions: dict[str, str]) -> pd.DataFrame:
    """The flagged customers with a suggested action, and their number first when a customer file is given."""
    out = frame.copy()
    out.insert(out.columns.get_loc("reasons") + 1, "actions",
               [suggested_actions(k, actions, t) for k, t in zip(out["reason_keys"], out["tenure_days"])])
    if numbers is not None:
        out.insert(0, "phone", [numbers.get(k) for k in out["customer_key"]])
    return out.drop(columns="reason_keys")
