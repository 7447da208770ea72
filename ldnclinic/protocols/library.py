"""The protocols a clinic sees: its own, plus the global ones it has not replaced with its
own protocol of the same code. A clinic never sees another clinic's protocol (a 404)."""

from django.db.models import Prefetch, Q
from django.http import Http404

from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.protocols.seed import seed_global_protocols


def visible_protocols(clinic):
    """Every protocol the clinic may read (active or archived): its own, and the global
    ones whose code it has not taken for its own."""
    own_codes = Protocol.objects.filter(clinic=clinic).values("code")
    return Protocol.objects.filter(
        Q(clinic=clinic) | (Q(clinic__isnull=True) & ~Q(code__in=own_codes))
    )


def _with_current(protocols) -> list[Protocol]:
    """Protocols with `current` (the latest version) set, ordered by condition and name."""
    versions = ProtocolVersion.objects.order_by("protocol_id", "-number")
    items = list(protocols.prefetch_related(Prefetch("versions", queryset=versions)))
    for protocol in items:
        all_versions = list(protocol.versions.all())
        protocol.current = all_versions[0] if all_versions else None
        protocol.version_count = len(all_versions)
    items = [p for p in items if p.current is not None]
    items.sort(key=lambda p: (_condition_name(p).lower(), p.current.name.lower(), p.code))
    return items


def _condition_name(protocol) -> str:
    return (protocol.current.data.get("condition") or {}).get("name") or protocol.condition_slug


def protocols_for(clinic, *, archived=False) -> list[Protocol]:
    """The clinic's active protocols (or, with archived=True, its archived ones), each
    with `current`, its latest version."""
    return _with_current(visible_protocols(clinic).filter(is_active=not archived))


def conditions_for(clinic) -> list[dict]:
    """The conditions the clinic has active protocols for: slug, name, codes (ICD-10 and
    SNOMED CT, None where unconfirmed) and the protocols, in name order."""
    conditions: dict[str, dict] = {}
    for protocol in protocols_for(clinic):
        data = protocol.current.data.get("condition") or {}
        slug = data.get("slug") or protocol.condition_slug
        entry = conditions.setdefault(
            slug,
            {
                "slug": slug,
                "name": data.get("name") or slug,
                "codes": {"icd10": data.get("icd10"), "snomed": data.get("snomed")},
                "protocols": [],
            },
        )
        entry["protocols"].append(protocol)
    return sorted(conditions.values(), key=lambda c: c["name"].lower())


def get_protocol(clinic, code) -> Protocol:
    """The protocol with this code that the clinic sees (its own first), or 404."""
    protocol = visible_protocols(clinic).filter(code=code).select_related("clinic").first()
    if protocol is None:
        raise Http404("No such protocol")
    return protocol


def get_protocol_version(clinic, code, number=None) -> ProtocolVersion:
    """A version (the latest without `number`) of a protocol the clinic sees, or 404."""
    protocol = get_protocol(clinic, code)
    versions = protocol.versions.select_related("protocol", "created_by").order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404("No such protocol version")
    return version


def ensure_global_protocols() -> int:
    """Create any missing global seed protocol (v1). The data migration does this; call it
    where a database may have been flushed since (demo seeding, transactional tests)."""
    return seed_global_protocols(Protocol, ProtocolVersion)
