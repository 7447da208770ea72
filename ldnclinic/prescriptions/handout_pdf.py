"""The patient's printable plan handout: the plan page's content and the full dose calendar."""

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ldnclinic.prescriptions.texts import mg

GRID = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#999999"),
    ]
)


def _p(text, style):
    return Paragraph(escape(str(text or "")), style)


def dose_words(dose, is_liquid) -> str:
    amount = (
        f"{mg(dose.volume_ml)} mL ({mg(dose.dose_mg)} mg)"
        if is_liquid
        else (f"one {mg(dose.dose_mg)} mg capsule")
    )
    return f"{amount} {dose.timing_words}"


def session_when(session, tz) -> str:
    start = getattr(session, "start", None)
    if start is not None:
        return start.astimezone(tz).strftime("%a %d %b %Y, %H:%M")
    target = getattr(session, "target_date", None)
    return f"around {target.strftime('%d %b %Y')}" if target else ""


def render_handout_pdf(context) -> bytes:
    plan, clinic, day = context["plan"], context["clinic"], context["day"]
    styles = getSampleStyleSheet()
    h2, body = styles["Heading2"], styles["BodyText"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Your treatment plan",
        author=clinic.name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        pageCompression=0,
    )
    story = [
        _p("Your treatment plan", styles["Title"]),
        _p(
            f"{plan.patient.full_name} · {plan.condition_name} · {clinic.name} · "
            f"printed for {day['today'].isoformat()}",
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        _p("Your medicine", h2),
        _p(f"Low dose naltrexone (LDN), {context['formulation_text']}, by mouth once a day.", body),
        _p("Today", h2),
    ]
    if day["dose"] is not None:
        story.append(_p(f"Take {dose_words(day['dose'], day['is_liquid'])}.", body))
    elif day["state"] == "not_started":
        story.append(_p(f"Your plan starts on {day['start_date'].isoformat()}.", body))
    elif day["state"] == "paused":
        story.append(_p("No dose today: your plan is paused.", body))
    else:
        story.append(_p("Your plan has ended. Ask the clinic before taking any more.", body))
    if day["next"] is not None:
        story.append(
            _p(
                f"Next change on {day['next'].day.isoformat()}: "
                f"{dose_words(day['next'], day['is_liquid'])}.",
                body,
            )
        )
    if context["sessions"]:
        story.append(_p("Your sessions", h2))
        rows = [["Session", "When", "Status"]] + [
            [
                _p(getattr(s, "name", ""), body),
                _p(session_when(s, clinic.tz), body),
                _p(getattr(s, "status_label", ""), body),
            ]
            for s in context["sessions"]
        ]
        table = Table(rows, repeatRows=1)
        table.setStyle(GRID)
        story.append(table)
    story.append(_p("What to expect in the first weeks", h2))
    for item in context["first_weeks"]:
        story.append(_p(f"{item['title']}: {item['text']}", body))
    for item in context["important"]:
        story.append(_p(item["text"], body))
    story.append(_p("Doses and side effects", h2))
    phone = context["clinic_phone"]
    story.append(
        _p(
            context["reporting"]
            + (f" Call {clinic.name} on {phone}." if phone else f" Contact {clinic.name}."),
            body,
        )
    )
    story.append(_p("Your dose calendar", h2))
    header = ["From", "To", "Days", "Dose", *(["Amount"] if day["is_liquid"] else []), "When"]
    rows = [header]
    for row in day["rows"]:
        rows.append(
            [
                row["start_date"].isoformat(),
                row["end_date"].isoformat(),
                str(row["days"]),
                f"{mg(row['dose_mg'])} mg",
                *([f"{mg(row['volume_ml'])} mL"] if day["is_liquid"] else []),
                row["timing_words"],
            ]
        )
    table = Table(rows, repeatRows=1)
    table.setStyle(GRID)
    story.append(table)
    story += [
        Spacer(1, 4 * mm),
        _p("Sources for 'what to expect'", styles["Heading4"]),
        *[
            _p(f"{item['title']}: {item['source']} (evidence grade {item['grade']})", body)
            for item in context["first_weeks"]
        ],
    ]
    doc.build(story)
    return buffer.getvalue()
