"""The PDF copy of a signature: the text signed and the facts of the signing."""

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ldnclinic.consents.models import split_paragraphs


def render_signature_pdf(*, title, version_number, content_hash, body, facts) -> bytes:
    """`facts` is a list of (label, value) pairs printed under the text. Uncompressed, so
    the hash can be found in the file's bytes (and by anyone checking it by hand)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="ldnclinic",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(f"Version {version_number}", styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    for block in split_paragraphs(body):
        if block["heading"]:
            story.append(Paragraph(escape(block["heading"]), styles["Heading3"]))
        story.append(Paragraph(escape(block["text"]), styles["BodyText"]))
    story += [Spacer(1, 6 * mm), Paragraph("Signature", styles["Heading2"])]
    rows = [[label, Paragraph(escape(str(value)), styles["BodyText"])] for label, value in facts]
    rows.append(["Text SHA-256", Paragraph(content_hash, styles["Code"])])
    table = Table(rows, colWidths=[40 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (0, -1), 9),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#999999"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
