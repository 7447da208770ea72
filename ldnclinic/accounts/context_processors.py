from ldnclinic.accounts.access import current_membership, request_memberships


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "membership": membership,
        "current_clinic": membership.clinic if membership else None,
        "other_memberships": [
            m for m in request_memberships(request) if membership is None or m.pk != membership.pk
        ],
        "is_patient_user": user.patient_records.filter(is_active=True).exists(),
    }
