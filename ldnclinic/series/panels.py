"""The session series panel on the clinician's plan page, and the patient's session dates."""


def plan_panel(request, plan) -> dict:
    """Context for series/_plan_panel.html."""
    return {"sessions": []}


def patient_sessions(plan) -> list:
    """The plan's sessions to show the patient: objects with `name`, `start` (aware datetime
    or None), `target_date`, `status_label`."""
    return []
