"""Which consents a patient has signed, and which they still need to sign."""

from dataclasses import dataclass

from ldnclinic.consents.models import ConsentDocument, ConsentKind, ConsentSignature


@dataclass
class ConsentStatus:
    kind: str
    label: str
    document: ConsentDocument | None
    current: object | None  # the current ConsentVersion, None if nothing is published
    signature: ConsentSignature | None  # the patient's latest signature of this document

    @property
    def state(self):
        if self.current is None:
            return "unavailable"
        if self.signature is None:
            return "unsigned"
        if self.signature.version_id != self.current.pk:
            return "outdated"
        return "signed"

    @property
    def needs_signing(self):
        return self.state in ("unsigned", "outdated")


def documents_for(clinic):
    """kind -> the document a clinic's patients sign: the clinic's own, else the global one."""
    chosen = {}
    for document in ConsentDocument.objects.for_clinic(clinic):
        if document.clinic_id is not None or document.kind not in chosen:
            chosen[document.kind] = document
    return chosen


def consent_statuses(patient, kinds=None) -> list[ConsentStatus]:
    kinds = list(kinds) if kinds is not None else list(ConsentKind.values)
    documents = documents_for(patient.clinic)
    signatures = (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version")
        .order_by("-version__number", "-signed_at")
    )
    latest = {}
    for signature in signatures:
        latest.setdefault(signature.version.document_id, signature)
    statuses = []
    for kind in kinds:
        document = documents.get(kind)
        statuses.append(
            ConsentStatus(
                kind=kind,
                label=ConsentKind(kind).label,
                document=document,
                current=document.current_version() if document else None,
                signature=latest.get(document.pk) if document else None,
            )
        )
    return statuses


def missing_consents(patient, kinds) -> list[str]:
    """The kinds among `kinds` whose current version the patient has not signed. A kind
    with no published document counts as missing: nothing was agreed to."""
    return [s.kind for s in consent_statuses(patient, kinds) if s.state != "signed"]
