"""Words and numbers for prescriptions and handouts, shared by the pages and the PDFs."""

from decimal import Decimal

from ldnclinic.plans.formulation import (
    BUD_LABEL,
    compounding_data,
    formulation_from_dict,
    volume_ml,
)


def mg(value) -> str:
    """A quantity for people: "1.50" -> "1.5", "3.0" -> "3"."""
    if value is None or value == "":
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def bud_label() -> str:
    return BUD_LABEL


def preparation_name(preparation: str) -> str:
    entry = compounding_data()["preparations"].get(preparation)
    return entry["name"] if entry else preparation


def preparation_source(preparation: str) -> dict:
    entry = compounding_data()["preparations"][preparation]
    return {"source": entry["source"], "grade": entry["grade"], "days": entry["beyond_use_days"]}


def formulation_text(formulation: dict) -> str:
    if formulation.get("type") == "liquid":
        kind = "preserved" if formulation.get("preserved") else "non-preserved"
        return f"Oral liquid {mg(formulation['concentration_mg_per_ml'])} mg/mL ({kind}, aqueous)"
    return "Capsules (one capsule per dose, inert filler, no calcium carbonate)"


def step_ml(step: dict, formulation: dict):
    """mL per dose of a stored step for a liquid, else None."""
    if formulation.get("type") != "liquid":
        return None
    return volume_ml(Decimal(str(step["dose_mg"])), formulation_from_dict(formulation))


def dispense_rows(dispense: dict, formulation: dict, steps: list):
    """(fill table header, fill rows, summary facts) of a stored Dispense.to_dict() and
    the steps it covers."""
    liquid = dispense.get("type") == "liquid"
    fills = dispense.get("fills") or []
    if liquid:
        header = ["Fill", "From", "To", "Days", "Volume"]
        rows = [
            [str(n), f["start_date"], f["end_date"], str(f["days"]), f"{mg(f['volume_ml'])} mL"]
            for n, f in enumerate(fills, start=1)
        ]
        doses = sorted({mg(step_ml(step, formulation)) for step in steps}, key=Decimal)
        summary = [
            ("Concentration", f"{mg(dispense.get('concentration_mg_per_ml'))} mg/mL"),
            ("Volume per dose", ", ".join(f"{d} mL" for d in doses) or "-"),
            ("Total volume", f"{mg(dispense.get('total_volume_ml'))} mL"),
        ]
    else:
        header = ["Fill", "From", "To", "Days", "Capsules"]
        rows = [
            [
                str(n),
                f["start_date"],
                f["end_date"],
                str(f["days"]),
                ", ".join(f"{count} × {mg(s)} mg" for s, count in f["capsules"].items()),
            ]
            for n, f in enumerate(fills, start=1)
        ]
        summary = [
            (
                "Strengths",
                ", ".join(
                    f"{mg(s)} mg: {count} capsules"
                    for s, count in (dispense.get("strengths") or {}).items()
                ),
            ),
        ]
    summary += [
        ("Days' supply", f"{dispense.get('days_supply')} days per fill"),
        ("Refills", str(dispense.get("refills", 0))),
        ("Dosing days", str(dispense.get("dosing_days", ""))),
    ]
    return header, rows, summary
