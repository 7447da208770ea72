"""Protocols API: the clinic's protocol library, read-only. Staff (session or token) of
the clinic only; a protocol the clinic does not see (another clinic's) is a 404."""

import datetime

from django.http import Http404
from ninja import Router, Schema
from pydantic import Field

from ldnclinic.accounts.access import require_staff
from ldnclinic.api import ERRORS, ErrorOut
from ldnclinic.protocols.library import get_protocol_version, protocols_for

router = Router(tags=["Protocols"])


class ConditionOut(Schema):
    slug: str
    name: str
    icd10: str | None = None
    snomed: str | None = None


class ProtocolSummaryOut(Schema):
    code: str
    name: str
    condition: ConditionOut
    evidence_grade: str = Field(description="A–E, 'gap' (no study found) or '—' (unconfirmed)")
    evidence_certainty: str
    version: int = Field(description="The latest version's number")
    scope: str = Field(description="'global' or 'clinic' (this clinic's own)")


class ProtocolListOut(Schema):
    items: list[ProtocolSummaryOut]


class ProtocolVersionOut(Schema):
    code: str
    version: int
    latest_version: int
    scope: str
    is_active: bool
    note: str
    created_at: datetime.datetime
    data: dict = Field(description="The protocol data (schema 1)")


def _clinic(request):
    return require_staff(request).clinic


def _scope(protocol) -> str:
    return "global" if protocol.clinic_id is None else "clinic"


def _summary(protocol) -> dict:
    data = protocol.current.data
    evidence = data.get("evidence") or {}
    return {
        "code": protocol.code,
        "name": data.get("name", protocol.code),
        "condition": data.get("condition") or {"slug": protocol.condition_slug, "name": ""},
        "evidence_grade": evidence.get("grade", ""),
        "evidence_certainty": evidence.get("certainty", ""),
        "version": protocol.current.number,
        "scope": _scope(protocol),
    }


def _version_out(version) -> dict:
    protocol = version.protocol
    latest = protocol.versions.order_by("-number").values_list("number", flat=True).first()
    return {
        "code": protocol.code,
        "version": version.number,
        "latest_version": latest,
        "scope": _scope(protocol),
        "is_active": protocol.is_active,
        "note": version.note,
        "created_at": version.created_at,
        "data": version.data,
    }


@router.get(
    "/protocols",
    response={200: ProtocolListOut, ERRORS: ErrorOut},
    summary="List the clinic's active protocols",
)
def list_protocols(request):
    return {"items": [_summary(p) for p in protocols_for(_clinic(request))]}


@router.get(
    "/protocols/{code}",
    response={200: ProtocolVersionOut, ERRORS: ErrorOut},
    summary="A protocol's latest version",
)
def read_protocol(request, code: str):
    return _version_out(get_protocol_version(_clinic(request), code))


@router.get(
    "/protocols/{code}/versions/{number}",
    response={200: ProtocolVersionOut, ERRORS: ErrorOut},
    summary="One version of a protocol",
)
def read_protocol_version(request, code: str, number: int):
    if number < 1:
        raise Http404("No such version")
    return _version_out(get_protocol_version(_clinic(request), code, number))
