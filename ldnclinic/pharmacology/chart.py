"""Geometry of the explainer's inline SVG chart (pure; the template only draws it)."""

import math

WIDTH, HEIGHT = 640, 330
LEFT, RIGHT, TOP, BOTTOM = 64, 576, 24, 266
HOURS = 24
X_TICK_EVERY_H = 3
Y_DIVISIONS = 5
# LDN doses all fit under 10 ng/mL, so the axis stays put while the dose changes.
MIN_CONCENTRATION_AXIS = 10


def _nice_ceiling(value: float) -> float:
    if value <= MIN_CONCENTRATION_AXIS:
        return MIN_CONCENTRATION_AXIS
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def x_of(hour: float) -> float:
    return round(LEFT + hour / HOURS * (RIGHT - LEFT), 1)


def _y(fraction: float) -> float:
    return round(BOTTOM - fraction * (BOTTOM - TOP), 1)


def _polyline(points, key, scale):
    return " ".join(f"{x_of(p['hour'])},{_y(p[key] / scale)}" for p in points)


def _number(value: float) -> str:
    return f"{value:g}"


def chart(points: list[dict]) -> dict:
    """Polylines and ticks for points over 0–24 h (each with hour, clock, the two
    concentrations and occupancy)."""
    top = _nice_ceiling(max(max(p["naltrexol_ng_ml"], p["naltrexone_ng_ml"]) for p in points))
    by_hour = {p["hour"]: p["clock"] for p in points}
    y_ticks = [
        {
            "y": _y(i / Y_DIVISIONS),
            "concentration": _number(top * i / Y_DIVISIONS),
            "percent": 100 * i // Y_DIVISIONS,
        }
        for i in range(Y_DIVISIONS + 1)
    ]
    x_ticks = [
        {"x": x_of(hour), "clock": by_hour.get(float(hour), ""), "hour": hour}
        for hour in range(0, HOURS + 1, X_TICK_EVERY_H)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "middle_x": (LEFT + RIGHT) // 2,
        "middle_y": (TOP + BOTTOM) // 2,
        "concentration_max": _number(top),
        "naltrexone": _polyline(points, "naltrexone_ng_ml", top),
        "naltrexol": _polyline(points, "naltrexol_ng_ml", top),
        "occupancy": _polyline(points, "occupancy", 1),
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
    }
