"""The signed prescription as a PDF to print, fax or send: prescriber, patient, pharmacy,
the preparation, the sig per step, what to dispense per fill, the beyond-use date and
storage, and the signature. Everything comes from the prescription row, never the plan."""

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ldnclinic.prescriptions.texts import (
    bud_label,
    dispense_rows,
    formulation_text,
    mg,
    preparation_name,
    step_ml,
)

GRID = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#999999"),
    ]
)
HEADED_GRID = TableStyle([*GRID.getCommands(), ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold")])
FACTS = TableStyle([*GRID.getCommands(), ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")])


def _p(text, style):
    return Paragraph(escape(str(text or "")), style)


def _facts(rows, styles):
    body = styles["BodyText"]
    table = Table(
        [[label, _p(value, body)] for label, value in rows if value], colWidths=[42 * mm, None]
    )
    table.setStyle(FACTS)
    return table


def _grid(header, rows, styles, widths=None):
    body = styles["BodyText"]
    table = Table(
        [[_p(h, body) for h in header]] + [[_p(c, body) for c in row] for row in rows],
        repeatRows=1,
        colWidths=widths,
    )
    table.setStyle(HEADED_GRID)
    return table


def render_prescription_pdf(prescription) -> bytes:
    """Uncompressed, so that the sig can be found in the file's bytes."""
    rx = prescription
    clinic = rx.clinic
    signed_local = rx.signed_at.astimezone(clinic.tz)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Prescription {rx.pk}",
        author="ldnclinic",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    h2, body = styles["Heading2"], styles["BodyText"]
    prescriber, patient = rx.prescriber_snapshot, rx.patient_snapshot
    pharmacy = rx.pharmacy_snapshot
    dispense = rx.dispense
    story = [
        _p("Compounding prescription", styles["Title"]),
        _p(f"{clinic.name} · prescription {rx.pk}", styles["Normal"]),
        Spacer(1, 3 * mm),
        _p("Prescriber", h2),
        _facts(
            [
                ("Name", prescriber.get("name")),
                ("Credentials", prescriber.get("credentials")),
                ("Role", prescriber.get("role")),
                ("Clinic", prescriber.get("clinic")),
                ("Address", prescriber.get("clinic_address")),
                ("Phone", prescriber.get("clinic_phone")),
                ("Email", prescriber.get("email")),
            ],
            styles,
        ),
        _p("Patient", h2),
        _facts(
            [
                ("Name", patient.get("name")),
                ("Date of birth", patient.get("date_of_birth")),
                ("Record", patient.get("mrn")),
                ("Address", patient.get("address")),
                ("Phone", patient.get("phone")),
            ],
            styles,
        ),
        _p("Pharmacy", h2),
        _facts(
            [
                ("Name", pharmacy.get("name")),
                ("Address", pharmacy.get("address")),
                ("Phone", pharmacy.get("phone")),
                ("Fax", pharmacy.get("fax")),
                ("Email", pharmacy.get("email")),
            ],
            styles,
        ),
        _p("Medication", h2),
        _facts(
            [
                ("Drug", "Naltrexone hydrochloride, low dose, compounded (off-label)"),
                ("Preparation", formulation_text(rx.formulation)),
                ("Route", "By mouth, once daily"),
                ("Period", f"{rx.period_start.isoformat()} to {rx.period_end.isoformat()}"),
            ],
            styles,
        ),
        _p("Directions (sig)", h2),
        _p(rx.sig, body),
        Spacer(1, 2 * mm),
    ]
    liquid = rx.formulation.get("type") == "liquid"
    header = ["Step", "From", "To", "Dose", *(["mL per dose"] if liquid else []), "Sig"]
    rows = []
    for number, (step, line) in enumerate(zip(rx.steps, rx.sig_lines, strict=False), start=1):
        ml = [f"{mg(step_ml(step, rx.formulation))} mL"] if liquid else []
        rows.append(
            [
                str(number),
                step["start_date"],
                step["end_date"],
                f"{mg(step['dose_mg'])} mg",
                *ml,
                line,
            ]
        )
    widths = [12 * mm, 24 * mm, 24 * mm, 18 * mm, *([18 * mm] if liquid else []), None]
    story.append(_grid(header, rows, styles, widths))
    story += [_p("Dispense", h2)]
    fill_header, fill_rows, summary = dispense_rows(dispense, rx.formulation, rx.steps)
    story += [
        _facts(summary, styles),
        Spacer(1, 2 * mm),
        _grid(fill_header, fill_rows, styles, [12 * mm, 24 * mm, 24 * mm, 14 * mm, None]),
    ]
    story += [
        _p("Beyond-use date and storage", h2),
        _facts(
            [
                ("Preparation type", preparation_name(rx.preparation)),
                ("Beyond-use", f"{rx.beyond_use_days} days from the date compounded"),
                ("About this default", bud_label()),
                ("Storage", rx.storage),
            ],
            styles,
        ),
        Spacer(1, 8 * mm),
        _p("Signature", h2),
        _facts(
            [
                (
                    "Signed electronically by",
                    " ".join(
                        p for p in (prescriber.get("name"), prescriber.get("credentials")) if p
                    ),
                ),
                (
                    "Signed at",
                    signed_local.strftime("%Y-%m-%d %H:%M %Z") + f" ({clinic.time_zone})",
                ),
                ("How", "Password re-entered at signing"),
            ],
            styles,
        ),
        Spacer(1, 10 * mm),
        _p("Signature: ______________________________", body),
    ]
    doc.build(story)
    return buffer.getvalue()
