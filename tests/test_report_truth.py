"""Reports that tell the truth (issue 17): the trend wording is checked against the data it rests on.

The operator's data starts on 2025-06-01. A three-month trend counts complaints per day over the days
the library has data for, so a window reaching before June 2025 is not read as "rising"; with too
little history the report says so; a period whose previous period lies before the data is not
compared with it; charts tick once a month with Chinese labels.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pytest

from .operator_scenario import cli_ok, operator


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    return operator(tmp_path_factory)


def _report(op, period: str) -> tuple[str, str]:
    out = op.root / "truth" / period
    cli_ok("report", "--period", period, "--out", out, "--library", op.lib.root)
    return (out / "report.md").read_text(encoding="utf-8"), (out / "report.html").read_text(encoding="utf-8")


def _section(md: str, n: int) -> str:
    return md[md.index(f"## {n}."):md.index(f"## {n + 1}.")] if n < 8 else md[md.index(f"## {n}."):]


def _table(section: str, title: str) -> list[dict]:
    lines = section[section.index(f"**{title}**"):].splitlines()[2:]
    head = [c.strip() for c in lines[0].strip("|").split(" | ")]
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(head, [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))])))
    return rows


def _monthly(op) -> dict[tuple[str, str], int]:
    """(month, pain point name) -> complaints, from the library: each complaint's newest assignment."""
    con = duckdb.connect(str(op.lib.db_path), read_only=True)
    try:
        rows = con.execute("""
            SELECT strftime(c.received_at, '%Y-%m') AS m, a.painpoint, count(*) FROM complaints c
            JOIN (SELECT complaint_id, painpoint FROM assignments
                  QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY version DESC) = 1) a USING (complaint_id)
            WHERE c.received_at IS NOT NULL GROUP BY ALL""").fetchall()
    finally:
        con.close()
    from complaints.churn.linkbase import painpoint_names

    names = painpoint_names()
    return {(m, names.get(p, (p,))[0]): n for m, p, n in rows}


def _expected_trend(counts, name: str, recent: list[str], before: list[str], d_recent: int, d_before: int) -> float:
    a = sum(counts.get((m, name), 0) for m in recent)
    b = sum(counts.get((m, name), 0) for m in before)
    return (a / d_recent) / (b / d_before) - 1 if b else float("inf")


def _shown(x: float) -> str:
    return "新增 new" if x == float("inf") else f"{x:+.1%}"


def test_trend_is_per_day_over_months_with_data_and_its_wording_follows(op):
    md, _ = _report(op, "2026-10")
    actions = _section(md, 7)
    assert "只计有数据的天：92 天 / 92 天" in actions
    counts = _monthly(op)
    rows = _table(actions, "改进建议 Improvement actions")
    assert len(rows) >= 8
    checked = 0
    for r in rows:
        want = _expected_trend(counts, r["痛点 Pain point"], ["2026-08", "2026-09", "2026-10"],
                               ["2026-05", "2026-06", "2026-07"], 92, 92)
        assert r["三个月趋势 Trend 3m"] == _shown(want), r
        said_rising = "近三个月日均较前三个月上升" in r["建议 Suggested focus"]
        said_new = "近三个月新出现" in r["建议 Suggested focus"]
        fast = "本期增长快" in r["建议 Suggested focus"]
        new = want == float("inf")
        assert said_rising == (0.2 < want < float("inf") and not fast), r  # claimed exactly when the data rises
        assert said_new == (new and not fast), r
        checked += 1
    assert checked == len(rows)
    assert "持续上升" not in md and "rising for three months" not in md


def test_a_window_reaching_before_the_data_counts_only_days_with_data(op):
    md, _ = _report(op, "2025-10")  # the three months before (May-July 2025) start before the data (June 2025)
    actions = _section(md, 7)
    assert "只计有数据的天：92 天 / 61 天" in actions
    counts = _monthly(op)
    for r in _table(actions, "改进建议 Improvement actions"):
        want = _expected_trend(counts, r["痛点 Pain point"], ["2025-08", "2025-09", "2025-10"],
                               ["2025-05", "2025-06", "2025-07"], 92, 61)
        assert r["三个月趋势 Trend 3m"] == _shown(want), r
        # counting May 2025 as a month without complaints would have made nearly everything "rising"
        naive = _expected_trend(counts, r["痛点 Pain point"], ["2025-08", "2025-09", "2025-10"],
                                ["2025-05", "2025-06", "2025-07"], 1, 1)
        assert naive > want or want == float("inf")


def test_too_little_history_is_said_and_nothing_is_called_rising(op):
    md, _ = _report(op, "2025-08")
    actions = _section(md, 7)
    assert "历史不足，不计算三个月趋势" in actions and "库中数据从 2025-06-01 开始" in actions
    rows = _table(actions, "改进建议 Improvement actions")
    assert rows and all(r["三个月趋势 Trend 3m"] == "–" for r in rows)
    assert "上升" not in actions.split("**改进建议 Improvement actions**")[1]


def test_no_change_against_a_previous_period_before_the_data(op):
    md, _ = _report(op, "2025-06")
    head = _section(md, 1)
    assert "上期无数据，不比较" in head and "| 投诉量 Complaints |" in head
    row = next(r for r in _table(head, "核心指标 Headline figures") if r["指标 Metric"] == "投诉量 Complaints")
    assert row["上期 Previous"] == "–（无数据）" and row["变化 Change"] == "–"
    ranking = _table(_section(md, 2), "痛点排名 Pain-point ranking")
    assert all(r["变化 Change"] == "–" for r in ranking)
    assert "不比较话题增长" in _section(md, 3)


def test_monthly_charts_tick_by_month_in_chinese(op):
    md, html = _report(op, "2026-10")
    chart = html[html.index('"chart-monthly_volume",'):]
    chart = chart[:chart.index("</script>")]
    months = [f"{y}年{m}月" for y, m in [(2025, 11), (2025, 12)] + [(2026, k) for k in range(1, 11)]]
    assert '"x":' + json.dumps(months, separators=(",", ":")) in chart and '"type":"category"' in chart  # labels as written, not dates
    weekly = html[html.index('"chart-weekly_trend",'):]
    weekly = weekly[:weekly.index("</script>")]
    assert '"dtick":"M1"' in weekly and '"tickformat":' + json.dumps("%Y年%-m月") in weekly
    table = _table(_section(md, 3), "月度投诉量 Monthly complaints by pain point")
    counts = _monthly(op)
    for r in table[-3:]:  # the table's totals are the library's
        assert int(r["合计 Total"].replace(",", "")) == sum(n for (m, _), n in counts.items() if m == r["月份 Month"])
    assert dt.date(2026, 10, 1).strftime("%Y-%m") in [r["月份 Month"] for r in table]
