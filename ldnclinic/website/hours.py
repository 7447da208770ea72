"""Opening hours as structured rows, typed by the clinic one line a row:

    Mon-Fri 09:00-17:00
    Sat 10:00-14:00
    Sun closed

Pure Python; parse_hours raises ValueError with a message naming the bad line."""

import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHEMA_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MAX_ROWS = 14

_LINE = re.compile(
    r"^(?P<days>[a-z ,\-–]+?)\s+(?:(?P<opens>\d{1,2}:\d{2})\s*[-–]\s*(?P<closes>\d{1,2}:\d{2})"
    r"|(?P<closed>closed))$",
    re.IGNORECASE,
)


def _day(token: str) -> int:
    token = token.strip().lower()[:3]
    if token not in DAYS:
        raise ValueError
    return DAYS.index(token)


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        ends = re.split(r"\s*[-–]\s*", part.strip())
        if len(ends) == 1:
            days.append(_day(ends[0]))
        elif len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            if last < first:
                raise ValueError
            days.extend(range(first, last + 1))
        else:
            raise ValueError
    return sorted(set(days))


def _time(text: str) -> str:
    hours, minutes = (int(x) for x in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError
    return f"{hours:02d}:{minutes:02d}"


def parse_hours(text: str) -> list[dict]:
    rows = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ROWS:
        raise ValueError(f"Give at most {MAX_ROWS} lines.")
    for line in lines:
        match = _LINE.match(line)
        problem = f'"{line}": write a row as "Mon-Fri 09:00-17:00" or "Sun closed".'
        if match is None:
            raise ValueError(problem)
        try:
            days = _days(match["days"])
            opens = None if match["closed"] else _time(match["opens"])
            closes = None if match["closed"] else _time(match["closes"])
        except ValueError:
            raise ValueError(problem) from None
        if opens is not None and closes <= opens:
            raise ValueError(f'"{line}": the closing time must be after the opening time.')
        rows.append({"days": days, "opens": opens, "closes": closes})
    return rows


def _day_span(days: list[int], names) -> str:
    """[0, 1, 2, 3, 4] -> "Mo-Fr"; [0, 2] -> "Mo,We"."""
    if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[days[0]]}-{names[days[-1]]}"
    return ",".join(names[d] for d in days)


def format_hours(rows: list[dict]) -> str:
    """Back to the text the clinic edits."""
    lines = []
    for row in rows:
        days = _day_span(row["days"], [d.title() for d in DAYS])
        hours = f"{row['opens']}-{row['closes']}" if row["opens"] else "closed"
        lines.append(f"{days} {hours}")
    return "\n".join(lines)


def display_rows(rows: list[dict]) -> list[tuple[str, str]]:
    """[("Monday–Friday", "09:00–17:00"), ("Sunday", "Closed")] for the public pages."""
    shown = []
    for row in rows:
        days = _day_span(row["days"], DAY_NAMES).replace("-", "–").replace(",", ", ")
        hours = f"{row['opens']}–{row['closes']}" if row["opens"] else "Closed"
        shown.append((days, hours))
    return shown


def schema_hours(rows: list[dict]) -> list[str]:
    """schema.org openingHours strings ("Mo-Fr 09:00-17:00"); closed days are left out."""
    return [
        f"{_day_span(row['days'], SCHEMA_DAYS)} {row['opens']}-{row['closes']}"
        for row in rows
        if row["opens"]
    ]
