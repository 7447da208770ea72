import pytest

from ldnclinic.website.hours import display_rows, format_hours, parse_hours, schema_hours


def test_it_reads_rows_of_days_and_times():
    rows = parse_hours("Mon-Fri 09:00-17:00\nsat 10:00 – 14:00\nSun closed\nTue, Thu 18:00-20:00")
    assert rows[0] == {"days": [0, 1, 2, 3, 4], "opens": "09:00", "closes": "17:00"}
    assert rows[2] == {"days": [6], "opens": None, "closes": None}
    assert rows[3]["days"] == [1, 3]
    assert schema_hours(rows) == ["Mo-Fr 09:00-17:00", "Sa 10:00-14:00", "Tu,Th 18:00-20:00"]
    assert display_rows(rows)[0] == ("Monday–Friday", "09:00–17:00")
    assert display_rows(rows)[2] == ("Sunday", "Closed")
    assert parse_hours(format_hours(rows)) == rows


@pytest.mark.parametrize(
    "text", ["Mon 9-5", "Fri-Mon 09:00-17:00", "Mon 25:00-26:00", "Mon 10:00-09:00", "always"]
)
def test_it_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_hours(text)


def test_empty_is_no_rows():
    assert parse_hours("  \n") == []
