"""Protocol data in words, for the pages: "4 sessions every 4 weeks (up to 1 week early or
late), the first 2 weeks after the plan starts"."""


def days_words(days: int) -> str:
    if days and days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'' if weeks == 1 else 's'}"
    return f"{days} day{'' if days == 1 else 's'}"


def _window(before: int, after: int) -> str:
    if not before and not after:
        return "on the day"
    if before == after:
        return f"up to {days_words(before)} early or late"
    if not before:
        return f"up to {days_words(after)} late, never early"
    if not after:
        return f"up to {days_words(before)} early, never late"
    return f"up to {days_words(before)} early or {days_words(after)} late"


def adjunct_timing(adjunct: dict) -> str:
    if adjunct.get("kind") == "home":
        frequency = (adjunct.get("frequency") or "").capitalize()
        duration = adjunct.get("duration_days")
        return f"{frequency} for {days_words(duration)}" if duration else frequency
    sessions = adjunct.get("sessions") or 0
    interval = adjunct.get("interval_days") or 0
    first = adjunct.get("first_offset_days") or 0
    count = f"{sessions} session{'' if sessions == 1 else 's'}"
    if sessions == 1:
        series = count
    else:
        window = _window(
            adjunct.get("tolerance_before_days") or 0, adjunct.get("tolerance_after_days") or 0
        )
        series = f"{count}, every {days_words(interval)} ({window})"
    start = (
        "the first when the plan starts"
        if not first
        else f"the first {days_words(first)} after the plan starts"
    )
    return f"{series}; {start}"
