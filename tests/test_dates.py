import datetime as dt

import pytest

from complaints.ingest.dates import DateParseError, DateParser, parse_datetime


@pytest.mark.parametrize("raw, expected", [
    ("2024-06-01 13:05:00", dt.datetime(2024, 6, 1, 13, 5)),
    ("2024/6/1 13:05", dt.datetime(2024, 6, 1, 13, 5)),
    ("2024年6月1日", dt.datetime(2024, 6, 1)),
    ("2024年6月1日 13时05分", dt.datetime(2024, 6, 1, 13, 5)),
    ("2024年6月1日下午3点", dt.datetime(2024, 6, 1, 15, 0)),
    ("2024.06.01", dt.datetime(2024, 6, 1)),
    ("20240601", dt.datetime(2024, 6, 1)),
    ("2024-06-01T13:05:00Z", dt.datetime(2024, 6, 1, 13, 5)),
    (dt.date(2024, 6, 1), dt.datetime(2024, 6, 1)),
    (45444, dt.datetime(2024, 6, 1)),  # Excel serial day
    ("", None),
    (None, None),
])
def test_chinese_export_date_forms_parse(raw, expected):
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13-45", "昨天下午", "2024-02-30", "abc"])
def test_bad_dates_raise(raw):
    with pytest.raises(DateParseError):
        parse_datetime(raw)


def test_memoised_parser_still_raises_for_repeated_bad_value():
    p = DateParser()
    for _ in range(2):
        with pytest.raises(DateParseError):
            p("2025-13-45")
    assert p("2024/6/1 13:05") == dt.datetime(2024, 6, 1, 13, 5)
