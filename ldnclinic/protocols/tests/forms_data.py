"""The POST an admin's browser sends from the protocol editor, built from protocol data."""

MAIN = {
    "name": lambda d: d["name"],
    "summary": lambda d: d["summary"],
    "condition_slug": lambda d: d["condition"]["slug"],
    "condition_name": lambda d: d["condition"]["name"],
    "icd10": lambda d: d["condition"]["icd10"] or "",
    "snomed": lambda d: d["condition"]["snomed"] or "",
    "evidence_grade": lambda d: d["evidence"]["grade"],
    "evidence_certainty": lambda d: d["evidence"]["certainty"],
    "evidence_summary": lambda d: d["evidence"]["summary"],
    "default_scheme": lambda d: d["default_scheme"],
    "default_duration_days": lambda d: d["default_duration_days"],
}


def _rows(prefix, rows, initial):
    post = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    post[f"{prefix}-{i}-{key}"] = "on"
            elif value is not None:
                post[f"{prefix}-{i}-{key}"] = str(value)
    return post


def editor_post(data, note="A change", *, code=None, new=False):
    post = {name: value(data) for name, value in MAIN.items()}
    post["instruments"] = "\n".join(
        f"{i['code']}: {', '.join(map(str, i['at_days']))}" for i in data["instruments"]
    )
    post["note"] = note
    if code is not None:
        post["code"] = code
    count = 0 if new else None
    schemes = [
        {k: v for k, v in s.items() if k != "beyond_low_dose_confirmed"} for s in data["schemes"]
    ]
    post.update(_rows("schemes", schemes, len(schemes) if count is None else 0))
    post.update(_rows("adjuncts", data["adjuncts"], len(data["adjuncts"]) if count is None else 0))
    post.update(
        _rows("follow_up", data["follow_up"], len(data["follow_up"]) if count is None else 0)
    )
    return post
