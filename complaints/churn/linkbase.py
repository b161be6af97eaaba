"""Shared ground for linking complaints to customers and port events: checks, dates, names.

link.py, features.py and churn.py all need the same answers to "is there anything to link?",
"which model version?", "how far do the port events reach?" and "what is this pain point called?";
they live here once so the three agree.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..errors import ComplaintsError, LibraryMissingError
from ..store import LibraryStore
from ..topics.taxonomy import load_taxonomy

DateLike = dt.date | dt.datetime | str | None


class LinkError(ComplaintsError):
    """Linking, features or churn scoring cannot run on what the library holds."""


def to_date(value: DateLike, name: str = "date") -> dt.date | None:
    """Accept a date, datetime or a string in an unambiguous, year-first form ('2026-06-30', '2026/6/30',
    '2026年6月30日', '20260630'); None stays None. '01/06/2026' could be 1 June or 6 January: refused."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    from ..ingest.dates import year_first_day

    parsed = year_first_day(str(value))
    if parsed is None:
        raise LinkError(f"{name} {value!r}: 不是无歧义的日期，请写成 2026-06-30 或 2026年6月30日 "
                        f"(not a date in an unambiguous form; use YYYY-MM-DD, e.g. 2026-06-30)")
    return parsed


def expand_dates(values: list[str], name: str = "--as-of") -> list[dt.date]:
    """'2026-06-30' is one date; '2025-10-01..2026-09-01' is the same day of every month in between."""
    out: set[dt.date] = set()
    for v in values:
        if ".." in str(v):
            a, b = (to_date(x, name) for x in str(v).split("..", 1))
            if a > b:
                raise LinkError(f"{name} {v}: the range must run forward, e.g. 2025-10-01..2026-09-01")
            out.update(d.date() for d in pd.date_range(a, b, freq=pd.DateOffset(months=1)))
        else:
            out.add(to_date(v, name))
    if not out:
        raise LinkError(f"give at least one {name} date, e.g. {name} 2026-06-30")
    return sorted(out)


def require_customers(store: LibraryStore) -> None:
    if not store.scalar("SELECT count(*) FROM customers"):
        raise LinkError("the library holds no customers: ingest them first "
                        "(complaints ingest customers 用户资料.csv)")


def require_port_events(store: LibraryStore) -> None:
    if not store.scalar("SELECT count(*) FROM port_events"):
        raise LinkError("the library holds no port events: ingest them first "
                        "(complaints ingest ports 携转记录.csv)")


def model_version(store: LibraryStore, version: int | None = None) -> int:
    """The requested topic model version, or the latest; a clear error when there is none."""
    v = version if version is not None else store.scalar("SELECT max(version) FROM model_versions")
    if v is None:
        raise LibraryMissingError("no topic model yet: run `complaints fit` first "
                                  "(complaint pain points and topics come from it)")
    if not store.scalar("SELECT count(*) FROM model_versions WHERE version = ?", [int(v)]):
        known = store.query("SELECT version FROM model_versions ORDER BY version")["version"].tolist()
        raise LinkError(f"no model version {v}; the library has versions {', '.join(map(str, known))}")
    return int(v)


def follow_up_end(store: LibraryStore) -> dt.date:
    """The last day port events are known for: the latest port-out request (the outcome's source)."""
    d = store.scalar("SELECT max(requested_at)::DATE FROM port_events WHERE direction = 'out'")
    if d is None:
        raise LinkError("the library holds no port-out events (携出): nothing to link complaints to; "
                        "ingest them with complaints ingest ports 携转记录.csv")
    return d


def painpoint_names(lexicons: str | None = None) -> dict[str, tuple[str, str]]:
    """Pain point key -> (Chinese name, owning department), from lexicons/painpoints.yaml."""
    return {p.key: (p.name, p.department) for p in load_taxonomy(lexicons)}


# The one definition of "gone": a completed port-out, dated by its completion, or by its request when
# the completion time is missing or (a data error) earlier than the request.
PORT_OUTS_SQL = """
SELECT event_id, customer_key, requested_at, requested_at::DATE AS day, status, other_operator,
       CASE WHEN status = 'completed' THEN
            CASE WHEN completed_at IS NOT NULL AND completed_at >= requested_at THEN completed_at ELSE requested_at END
       END AS gone_at
FROM port_events WHERE direction = 'out' AND requested_at IS NOT NULL
"""
