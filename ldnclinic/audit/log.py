"""Writing the audit trail. Only actions and the read gate call `record`."""

from dataclasses import dataclass

from ldnclinic.accounts.access import current_membership
from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did something and from where; built once per request."""

    user: object | None
    ip: str | None = None
    via: str = "web"

    @classmethod
    def from_request(cls, request):
        via = "api" if request.path.startswith("/api/") else "web"
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user=user, ip=client_ip(request), via=via)

    @classmethod
    def system(cls, via="cli"):
        return cls(user=None, ip=None, via=via)


def record(
    event: Event,
    actor: Actor,
    *,
    clinic=None,
    clinic_id=None,
    patient=None,
    subject=None,
    **payload,
):
    if clinic is not None:
        clinic_id = clinic.pk
    elif clinic_id is None and patient is not None:
        clinic_id = patient.clinic_id
    user = actor.user
    return AuditEvent.objects.create(
        code=int(event),
        clinic_id=clinic_id,
        actor=user,
        actor_label=(user.email if user is not None else actor.via),
        patient=patient,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        source_ip=actor.ip,
        via=actor.via,
        payload=payload,
    )


def record_security_event(request, event: Event, **payload):
    """A sign-in, sign-out or 2FA event, filed under the clinic the user works in so
    that its admins see it in their trail."""
    membership = current_membership(request)
    clinic = membership.clinic if membership else None
    return record(event, Actor.from_request(request), clinic=clinic, **payload)
