"""The protocol library pages: every staff member reads the clinic's protocols (its own and
the global ones it has not replaced); the clinic admin edits them, each save a new
version. Another clinic's protocol is a 404; a non-admin's change is a 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import require_staff, require_write, staff_required
from ldnclinic.accounts.models import Role
from ldnclinic.audit.log import Actor
from ldnclinic.evidence.library import evidence_for_protocol_condition
from ldnclinic.protocols import actions
from ldnclinic.protocols.forms import ProtocolEditor
from ldnclinic.protocols.library import (
    conditions_for,
    get_protocol,
    get_protocol_version,
    protocols_for,
)
from ldnclinic.protocols.models import ProtocolVersion
from ldnclinic.protocols.seed import seed_adjustments
from ldnclinic.protocols.words import adjunct_timing

ADMIN_ONLY = (Role.ADMIN,)


def _membership(request, roles=None):
    return require_staff(request, roles)


@staff_required()
def protocol_list(request):
    membership = _membership(request)
    context = {
        "conditions": conditions_for(membership.clinic),
        "archived": protocols_for(membership.clinic, archived=True),
        "can_edit": membership.role == Role.ADMIN,
    }
    return render(request, "protocols/list.html", context)


def _detail(request, code, number=None):
    membership = _membership(request)
    version = get_protocol_version(membership.clinic, code, number)
    protocol = version.protocol
    versions = ProtocolVersion.objects.filter(protocol=protocol).select_related("created_by")
    data = version.data
    condition_slug = (data.get("condition") or {}).get("slug") or protocol.condition_slug
    library_condition, library_studies = evidence_for_protocol_condition(
        membership.clinic, condition_slug
    )
    context = {
        "protocol": protocol,
        "version": version,
        "data": data,
        "latest": versions.order_by("-number").first(),
        "versions": versions.order_by("-number"),
        "adjuncts": [{**a, "timing_words": adjunct_timing(a)} for a in data.get("adjuncts", [])],
        "can_edit": membership.role == Role.ADMIN,
        "is_global": protocol.clinic_id is None,
        # The evidence library's entry for the condition as this clinic sees it, beside
        # the evidence the protocol's own version noted when it was written.
        "library_condition": library_condition,
        "library_studies": library_studies,
    }
    return render(request, "protocols/detail.html", context)


@staff_required()
def protocol_detail(request, code):
    return _detail(request, code)


@staff_required()
def protocol_version(request, code, number):
    return _detail(request, code, number)


def _save(editor, save):
    """Validate the editor and call the action: the saved version, or None."""
    if not editor.is_valid():
        return None
    try:
        return save(editor.data(), editor.note)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            editor.add_errors(error.message_dict)
        else:
            editor.form.add_error(None, error.messages)
    return None


@staff_required(roles=ADMIN_ONLY)
def protocol_edit(request, code):
    clinic = _membership(request, ADMIN_ONLY).clinic
    base = get_protocol_version(clinic, code)
    posted = request.POST if request.method == "POST" else None
    editor = ProtocolEditor(posted, base=base.data, editing=True)
    if posted is not None:
        require_write(request)
        saved = _save(
            editor,
            lambda data, note: actions.do_save_protocol_version(
                Actor.from_request(request), clinic, code, data, note
            ),
        )
        if saved is not None:
            messages.success(request, f"Saved “{saved.name}” as version {saved.number}.")
            return redirect("protocol_detail", code=code)
    context = {"editor": editor, "base": base, "is_global": base.protocol.clinic_id is None}
    return render(request, "protocols/form.html", context)


@staff_required(roles=ADMIN_ONLY)
def protocol_create(request):
    clinic = _membership(request, ADMIN_ONLY).clinic
    posted = request.POST if request.method == "POST" else None
    base = {"adjustments": seed_adjustments(), "default_duration_days": 84}
    editor = ProtocolEditor(posted, base=base)
    if posted is not None:
        require_write(request)
        saved = _save(
            editor,
            lambda data, note: actions.do_create_protocol(
                Actor.from_request(request), clinic, data, note
            ),
        )
        if saved is not None:
            messages.success(request, f"Protocol “{saved.name}” created.")
            return redirect("protocol_detail", code=saved.protocol.code)
    return render(request, "protocols/form.html", {"editor": editor, "base": None})


@require_POST
@staff_required(roles=ADMIN_ONLY)
def protocol_archive(request, code):
    clinic = _membership(request, ADMIN_ONLY).clinic
    get_protocol(clinic, code)  # 404 before anything else
    require_write(request)
    try:
        actions.do_archive_protocol(
            Actor.from_request(request), clinic, code, request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Protocol archived: it is no longer offered for new plans.")
    return redirect("protocol_detail", code=code)
