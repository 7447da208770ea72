"""The timeline's SVG builders: valid, labelled markup for empty data, one point and long
ranges, every name escaped, and one shared x for a date across charts."""

import datetime as dt
import xml.etree.ElementTree as ET

from ldnclinic.outcomes import charts
from ldnclinic.outcomes.charts import (
    Band,
    Event,
    Marker,
    Point,
    Series,
    StepRun,
    StepSeries,
    Threshold,
    TimeAxis,
)

SVG = "{http://www.w3.org/2000/svg}"
AXIS = TimeAxis(dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def parse(chart):
    # Parsing proves the markup is well-formed XML (so nothing unescaped broke it).
    root = ET.fromstring(chart.markup.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    return root


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


def test_empty_charts_say_so_and_stay_labelled():
    built = [
        charts.line_chart(chart_id="a", title="PASI", desc="d", axis=AXIS, series=[Series("P")]),
        charts.step_chart(chart_id="b", title="Dose", desc="d", axis=AXIS, series=[]),
        charts.marker_chart(chart_id="c", title="Sessions", desc="d", axis=AXIS, markers=[]),
    ]
    for chart in built:
        root = parse(chart)
        assert any("No" in (t or "") for t in texts(root))
        assert root.find(f"{SVG}title").text == chart.title


def test_one_point_is_a_marker_without_a_line():
    chart = charts.line_chart(
        chart_id="one",
        title="PASI",
        desc="d",
        axis=AXIS,
        series=[Series("PASI", [Point(dt.date(2026, 2, 1), 12.4, "moderate")])],
    )
    root = parse(chart)
    assert root.find(f".//{SVG}polyline") is None
    (circle,) = root.iter(f"{SVG}circle")
    assert "PASI, 1 Feb 2026: 12.4 (moderate)" in chart.markup


def test_a_single_day_range_does_not_divide_by_zero():
    day = dt.date(2026, 2, 1)
    axis = TimeAxis(day, day)
    chart = charts.line_chart(
        chart_id="x", title="t", desc="d", axis=axis, series=[Series("s", [Point(day, 3)])]
    )
    parse(chart)
    assert axis.x(day) == charts.LEFT


def test_points_join_in_date_order_and_outside_points_are_left_out():
    points = [Point(dt.date(2026, 3, 1), 5), Point(dt.date(2026, 1, 10), 20)]
    points.append(Point(dt.date(2025, 6, 1), 40))  # before the range
    chart = charts.line_chart(
        chart_id="x", title="t", desc="d", axis=AXIS, series=[Series("s", points)]
    )
    root = parse(chart)
    xs = [
        float(pair.split(",")[0]) for pair in root.find(f".//{SVG}polyline").get("points").split()
    ]
    assert xs == sorted(xs) and len(xs) == 2


def test_a_long_range_has_few_ticks_and_stays_small():
    axis = TimeAxis(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert 4 <= len(axis.ticks()) <= 9
    days = [axis.start + dt.timedelta(days=n) for n in range(0, 731)]
    chart = charts.line_chart(
        chart_id="long",
        title="Diary",
        desc="d",
        axis=axis,
        series=[Series("Itch", [Point(d, d.day % 11) for d in days])],
        high=10,
        marks=[Marker(d, "Missed") for d in days[::9]],
        mark_label="Missed dose",
    )
    root = parse(chart)
    assert len(root.find(f".//{SVG}polyline").get("points").split()) == 731
    assert "2025" in " ".join(texts(root))


def test_ticks_for_a_few_weeks_are_dated_days():
    ticks = TimeAxis(dt.date(2026, 3, 2), dt.date(2026, 3, 29)).ticks()
    assert [label for _, label in ticks] == ["2 Mar", "9 Mar", "16 Mar", "23 Mar"]


def test_names_are_escaped_everywhere():
    evil = '<script>alert("x")</script> & "quotes"'
    built = [
        charts.line_chart(
            chart_id='id"><x',
            title=evil,
            desc=evil,
            axis=AXIS,
            series=[Series(evil, [Point(dt.date(2026, 2, 1), 3, evil)])],
            bands=[Band(0, 5, evil)],
            thresholds=[Threshold(2, evil)],
            marks=[Marker(dt.date(2026, 2, 2), evil)],
            mark_label=evil,
        ),
        charts.step_chart(
            chart_id="s",
            title=evil,
            desc=evil,
            axis=AXIS,
            series=[StepSeries(evil, [StepRun(dt.date(2026, 1, 5), dt.date(2026, 2, 5), 1.5)])],
            events=[Event(dt.date(2026, 2, 6), evil)],
        ),
        charts.marker_chart(
            chart_id="m",
            title=evil,
            desc=evil,
            axis=AXIS,
            markers=[Marker(dt.date(2026, 2, 1), evil, evil)],
        ),
    ]
    for chart in built:
        assert "<script>" not in chart.markup
        assert "&lt;script&gt;" in chart.markup
        root = parse(chart)
        assert evil in texts(root)


def test_bands_shade_and_thresholds_are_dashed_lines_with_labels():
    chart = charts.line_chart(
        chart_id="p",
        title="PASI",
        desc="d",
        axis=AXIS,
        series=[Series("PASI", [Point(dt.date(2026, 1, 5), 20), Point(dt.date(2026, 3, 5), 4)])],
        cap=72,
        bands=[Band(0, 7, "mild"), Band(7, 15, "moderate"), Band(15, 72, "severe")],
        thresholds=[Threshold(5, "PASI-75 (≤ 5)"), Threshold(10, "PASI-50 (≤ 10)")],
    )
    root = parse(chart)
    labels = texts(root)
    assert {"mild", "moderate", "severe", "PASI-75 (≤ 5)", "PASI-50 (≤ 10)"} <= set(labels)
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2
    # The top is the data's nice ceiling (20 × 1.1 → 25), not the instrument's 72.
    assert "25" in labels and "72" not in labels


def test_the_dose_line_breaks_at_a_pause_and_marks_it():
    runs = [
        StepRun(dt.date(2026, 1, 5), dt.date(2026, 1, 11), 1.5),
        StepRun(dt.date(2026, 1, 12), dt.date(2026, 1, 31), 3),
        StepRun(dt.date(2026, 2, 10), dt.date(2026, 3, 31), 3),
    ]
    chart = charts.step_chart(
        chart_id="d",
        title="Dose",
        desc="d",
        axis=AXIS,
        series=[StepSeries("Psoriasis", runs)],
        unit="mg",
        minimum_top=4.5,
        events=[Event(dt.date(2026, 2, 1), "Paused"), Event(dt.date(2026, 2, 10), "Resumed")],
    )
    root = parse(chart)
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 2  # before and after the pause
    assert {"Paused", "Resumed", "mg", "5"} <= set(texts(root))


def test_a_date_has_the_same_x_in_every_chart():
    day = dt.date(2026, 2, 14)
    x = charts.num(AXIS.x(day))
    line = charts.line_chart(
        chart_id="l", title="t", desc="d", axis=AXIS, series=[Series("s", [Point(day, 3)])]
    )
    sessions = charts.marker_chart(
        chart_id="m", title="t", desc="d", axis=AXIS, markers=[Marker(day, "Laser", "Laser")]
    )
    assert f'cx="{x}"' in line.markup
    assert f'points="{x},' in sessions.markup


def test_a_chart_renders_unescaped_in_templates_through_html():
    chart = charts.marker_chart(chart_id="m", title="t", desc="d", axis=AXIS, markers=[])
    assert chart.__html__() == chart.markup == str(chart)
