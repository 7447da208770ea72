"""The prescriptions panel on the clinician's plan page."""


def plan_panel(request, plan) -> dict:
    """Context for prescriptions/_plan_panel.html."""
    return {"prescriptions": []}
