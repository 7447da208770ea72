"""What the session series does when a plan changes (called by plans.actions in the same
transaction)."""


def plan_changed(actor, plan, version):
    """`version` is the plan's new current version (or the plan changed state)."""
