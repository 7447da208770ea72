"""State changes to the protocol library. Each saves a new frozen version (never edits
one) and audits it. A clinic that edits or archives a global protocol gets its own
protocol with the same code, which replaces the global one for that clinic only."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.protocols.library import get_protocol
from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.protocols.schema import ProtocolDataError, validate_protocol

NOTE_MAX = 300
RACE = "Someone saved this protocol at the same moment. Reload it and make your change again."


def _validated(data) -> dict:
    try:
        return validate_protocol(data)
    except ProtocolDataError as error:
        raise ValidationError(error.errors) from None


def _note(*parts) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())[:NOTE_MAX]


def _latest(protocol) -> ProtocolVersion | None:
    return protocol.versions.order_by("-number").first()


def _clinic_copy(clinic, global_protocol, *, is_active=True) -> Protocol:
    """The clinic's own protocol replacing a global one (same code)."""
    try:
        with transaction.atomic():
            return Protocol.objects.create(
                clinic=clinic,
                code=global_protocol.code,
                condition_slug=global_protocol.condition_slug,
                is_active=is_active,
            )
    except IntegrityError:
        # Another admin of the clinic made the copy first (the unique clinic+code).
        raise ValidationError(RACE) from None


def _save_version(actor, clinic, protocol, data, note, **payload) -> ProtocolVersion:
    latest = _latest(protocol)
    try:
        with transaction.atomic():
            version = ProtocolVersion.objects.create(
                protocol=protocol,
                number=(latest.number + 1) if latest else 1,
                data=data,
                note=note,
                created_by=actor.user,
            )
    except IntegrityError:
        # The row lock serialises writers on PostgreSQL; SQLite has none, so a
        # simultaneous save can still take the number first.
        raise ValidationError(RACE) from None
    record(
        Event.PROTOCOL_VERSION_SAVED,
        actor,
        clinic=clinic,
        subject=version,
        code=protocol.code,
        number=version.number,
        note=note,
        **payload,
    )
    return version


@transaction.atomic
def do_save_protocol_version(actor: Actor, clinic, code: str, data, note: str = ""):
    """Validate `data` and save it as the protocol's next version. Editing a global
    protocol makes the clinic's own copy, whose version 1 is the edited data."""
    protocol = get_protocol(clinic, code)
    data = _validated(data)
    if data["code"] != protocol.code:
        raise ValidationError({"code": "A protocol's code cannot change."})
    if protocol.clinic_id is None:
        based_on = _latest(protocol)
        own = _clinic_copy(clinic, protocol)
        note = _note(f"Based on global v{based_on.number}.", note)
        return _save_version(actor, clinic, own, data, note, based_on_global=based_on.number)
    # One writer at a time per protocol: the next version number is read under the lock.
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if data["condition"]["slug"] != protocol.condition_slug:
        protocol.condition_slug = data["condition"]["slug"]
        protocol.save(update_fields=["condition_slug"])
    return _save_version(actor, clinic, protocol, data, _note(note))


@transaction.atomic
def do_create_protocol(actor: Actor, clinic, data, note: str = ""):
    """A new protocol of the clinic (a new condition, or another recipe for one)."""
    data = _validated(data)
    taken = Protocol.objects.filter(code=data["code"])
    if taken.filter(clinic=clinic).exists() or taken.filter(clinic__isnull=True).exists():
        raise ValidationError(
            {"code": "A protocol with this code exists; choose another."}
        ) from None
    try:
        with transaction.atomic():
            protocol = Protocol.objects.create(
                clinic=clinic, code=data["code"], condition_slug=data["condition"]["slug"]
            )
    except IntegrityError:
        raise ValidationError(
            {"code": "A protocol with this code exists; choose another."}
        ) from None
    return _save_version(actor, clinic, protocol, data, _note("New protocol.", note))


@transaction.atomic
def do_archive_protocol(actor: Actor, clinic, code: str, reason: str = ""):
    """Take a protocol out of the clinic's list for new plans. Plans that use it keep
    their version. Archiving a global protocol archives it for this clinic only."""
    protocol = get_protocol(clinic, code)
    if not protocol.is_active:
        raise ValidationError("This protocol is already archived.")
    payload = {"code": protocol.code, "reason": reason[:NOTE_MAX]}
    if protocol.clinic_id is None:
        based_on = _latest(protocol)
        own = _clinic_copy(clinic, protocol, is_active=False)
        note = _note(f"Archived for this clinic; based on global v{based_on.number}.", reason)
        ProtocolVersion.objects.create(
            protocol=own, number=1, data=based_on.data, note=note, created_by=actor.user
        )
        protocol = own
        payload["based_on_global"] = based_on.number
    else:
        protocol.is_active = False
        protocol.save(update_fields=["is_active"])
    record(Event.PROTOCOL_ARCHIVED, actor, clinic=clinic, subject=protocol, **payload)
    return protocol
