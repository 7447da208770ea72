"""What prescriptions do when a plan changes (called by plans.actions in the same transaction)."""


def plan_changed(actor, plan, version):
    """`version` is the plan's new current version (or the plan changed state). Live
    prescriptions that no longer match the plan become superseded; the plan page then
    says a new one is needed. Nothing is signed automatically."""
    from ldnclinic.prescriptions.actions import supersede_for_plan_change

    return supersede_for_plan_change(actor, plan, version)
