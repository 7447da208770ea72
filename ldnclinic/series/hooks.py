"""What the session series does when a plan changes (called by plans.actions in the same
transaction)."""

from ldnclinic.plans.models import PlanStatus, VersionKind
from ldnclinic.series.models import PlanSession
from ldnclinic.series.propose import session_adjuncts


def _adjuncts_changed(plan, version):
    """Whether `version`'s session adjuncts differ from those the sessions came from."""
    latest = (
        PlanSession.objects.filter(plan=plan)
        .select_related("plan_version")
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.plan_version is None:
        return bool(session_adjuncts(version.params))
    return session_adjuncts(latest.plan_version.params) != session_adjuncts(version.params)


def plan_changed(actor, plan, version):
    """`version` is the plan's new current version (or the plan changed state).

    Activation proposes the series; a resume proposes again from the resume date; an
    adjustment that changes the session adjuncts proposes again from its date; a pause
    withdraws what is not booked; stop and completion also cancel future bookings."""
    from ldnclinic.series import actions  # actions import scheduling, which imports plans

    if plan.status == PlanStatus.ACTIVE:
        if version.kind == VersionKind.RESUMED:
            actions.do_propose_series(
                actor, plan, version=version, from_date=version.effective_from
            )
        elif not PlanSession.objects.filter(plan=plan).exists():
            if session_adjuncts(version.params):
                actions.do_propose_series(actor, plan, version=version)
        elif _adjuncts_changed(plan, version):
            actions.do_propose_series(
                actor, plan, version=version, from_date=version.effective_from
            )
    elif plan.status == PlanStatus.PAUSED:
        actions.do_withdraw_series(actor, plan)
    elif plan.status in (PlanStatus.STOPPED, PlanStatus.COMPLETED):
        actions.do_withdraw_series(actor, plan, cancel_booked=True)
