"""The evidence library editor: clinic admins only (other staff 403, everyone else 404 or
the login page). An admin edits what their clinic shows; a global entry they change becomes
their clinic's own copy, so other clinics keep the global library."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ldnclinic.accounts.access import require_staff, require_write, staff_required
from ldnclinic.accounts.models import Role
from ldnclinic.audit.log import Actor
from ldnclinic.evidence import actions
from ldnclinic.evidence.forms import ConditionForm, NewConditionForm, StudyForm
from ldnclinic.evidence.history import condition_history
from ldnclinic.evidence.library import all_conditions_for, get_condition, get_study, studies_for

ADMIN_ONLY = (Role.ADMIN,)


def _clinic(request):
    return require_staff(request, ADMIN_ONLY).clinic


def _condition(clinic, slug):
    condition = get_condition(clinic, slug, include_unpublished=True)
    if condition is None:
        raise Http404("No such condition")
    return condition


def _study(clinic, pk):
    study = get_study(clinic, pk)
    if study is None:
        raise Http404("No such study")
    return study


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@staff_required(roles=ADMIN_ONLY)
def evidence_list(request):
    conditions = all_conditions_for(_clinic(request))
    return render(request, "evidence/list.html", {"conditions": conditions})


@staff_required(roles=ADMIN_ONLY)
def evidence_condition_new(request):
    clinic = _clinic(request)
    form = NewConditionForm(request.POST or None)
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            try:
                condition = actions.do_create_condition(
                    Actor.from_request(request), clinic, form.condition_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Added “{condition.name}”. Now add its studies.")
                return redirect("evidence_condition_edit", slug=condition.slug)
    return render(request, "evidence/condition_new.html", {"form": form})


@staff_required(roles=ADMIN_ONLY)
def evidence_condition_edit(request, slug):
    clinic = _clinic(request)
    condition = _condition(clinic, slug)
    form = ConditionForm(request.POST or None, condition=condition)
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            try:
                actions.do_save_condition(
                    Actor.from_request(request), clinic, condition, form.cleaned_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
                return redirect("evidence_condition_edit", slug=slug)
    context = {
        "condition": condition,
        "form": form,
        "studies": studies_for(clinic, condition),
        "is_global": condition.clinic_id is None,
    }
    return render(request, "evidence/condition_form.html", context)


def _study_page(request, clinic, condition, study=None):
    form = StudyForm(request.POST or None, study=study)
    if request.method == "POST":
        require_write(request)
        if form.is_valid():
            try:
                saved = actions.do_save_study(
                    Actor.from_request(request), clinic, condition, form.study_data, study
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Saved the study “{saved}”.")
                return redirect("evidence_condition_edit", slug=condition.slug)
    context = {
        "condition": condition,
        "study": study,
        "form": form,
        "is_global": study is not None and study.clinic_id is None,
    }
    return render(request, "evidence/study_form.html", context)


@staff_required(roles=ADMIN_ONLY)
def evidence_study_new(request, slug):
    clinic = _clinic(request)
    return _study_page(request, clinic, _condition(clinic, slug))


def _condition_of(clinic, study):
    """The study's condition as the clinic sees it (its copy, if it made one)."""
    return get_condition(clinic, study.condition.slug, include_unpublished=True) or study.condition


@staff_required(roles=ADMIN_ONLY)
def evidence_study_edit(request, pk):
    clinic = _clinic(request)
    study = _study(clinic, pk)
    if study.is_retired:
        raise Http404("This study is retired")
    return _study_page(request, clinic, _condition_of(clinic, study), study)


@require_POST
@staff_required(roles=ADMIN_ONLY)
def evidence_study_retire(request, pk):
    clinic = _clinic(request)
    study = _study(clinic, pk)
    require_write(request)
    try:
        actions.do_retire_study(
            Actor.from_request(request), clinic, study, request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Retired “{study}”: it no longer shows for this clinic.")
    return redirect("evidence_condition_edit", slug=_condition_of(clinic, study).slug)


@staff_required(roles=ADMIN_ONLY)
def evidence_history(request, slug):
    clinic = _clinic(request)
    condition = _condition(clinic, slug)
    context = {"condition": condition, "versions": condition_history(clinic, condition)}
    return render(request, "evidence/history.html", context)
