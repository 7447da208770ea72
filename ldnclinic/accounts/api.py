from ninja import Router, Schema

from ldnclinic.accounts.access import current_membership

router = Router(tags=["account"])


class MembershipOut(Schema):
    clinic_id: int
    clinic_name: str
    clinic_time_zone: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    staff: MembershipOut | None
    patient_ids: list[int]
    token_read_only: bool | None


@router.get("/me", response=MeOut, summary="The authenticated user and their role")
def me(request):
    user = request.user
    membership = current_membership(request)
    token = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "staff": {
            "clinic_id": membership.clinic_id,
            "clinic_name": membership.clinic.name,
            "clinic_time_zone": membership.clinic.time_zone,
            "role": membership.role,
        }
        if membership
        else None,
        "patient_ids": list(
            user.patient_records.filter(is_active=True).values_list("pk", flat=True)
        ),
        "token_read_only": token.read_only if token else None,
    }
