"""Photo pages: the chart's photos tab (upload, grouped by body site), one photo, the
comparison of two photos of a site, the image bytes through the gate, and the patient's
portal list."""

import time
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ldnclinic.accounts.access import CLINICAL_ROLES, login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.diary.views import own_patient
from ldnclinic.patients.access import (
    get_patient_for_update,
    get_patient_for_user,
    staff_role_for,
)
from ldnclinic.patients.views import _chart_context
from ldnclinic.photos import storage
from ldnclinic.photos.access import (
    get_photo_for_update,
    get_photo_for_user,
    photos_for_patient,
)
from ldnclinic.photos.actions import (
    ConsentMissing,
    check_consent,
    do_mark_photo_in_error,
    do_upload_photo,
    needs_consent,
)
from ldnclinic.photos.body_sites import body_map
from ldnclinic.photos.forms import InErrorForm, PhotoUploadForm
from ldnclinic.photos.models import PhotoStatus
from ldnclinic.photos.processing import PhotoError, read_capped

# Thumbnails shown on a page whose listing was audited (525, naming the photos) are not
# audited again one by one for this long.
SHOWN_SESSION_KEY = "photos_shown"
SHOWN_SECONDS = 600


def _staff_patient(request, pk):
    """A patient of the user's clinic, unaudited (the caller audits what it shows); 404
    for patients and other clinics."""
    patient = get_patient_for_user(request, pk, event=None)
    if staff_role_for(request, patient) is None:
        raise Http404("Not found")
    return patient


def remember_photos_shown(request, photos):
    """Remember the photos a page just showed (and audited) as thumbnails, so that their
    thumbnail requests in the next few minutes are not audited one by one."""
    ids = [p.pk for p in photos]
    if hasattr(request, "session"):
        request.session[SHOWN_SESSION_KEY] = {"ids": ids, "until": time.time() + SHOWN_SECONDS}


def _was_shown(request, pk) -> bool:
    shown = getattr(request, "session", {}).get(SHOWN_SESSION_KEY) or {}
    return pk in shown.get("ids", ()) and shown.get("until", 0) > time.time()


def audit_photos_shown(request, patient, photos, **payload):
    """One audit row naming the photos a page shows as thumbnails; their thumbnail requests
    in the next few minutes are then not audited one by one."""
    record(
        Event.PHOTOS_LISTED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        photo_ids=[p.pk for p in photos],
        **payload,
    )
    remember_photos_shown(request, photos)


def site_groups(photos):
    """[{code, label, photos, active}] in body-map order, photos oldest first."""
    bmap = body_map()
    ordered = sorted(photos, key=lambda p: (bmap.order(p.body_site), p.taken_at, p.pk))
    groups = []
    for code, items in groupby(ordered, key=lambda p: p.body_site):
        items = list(items)
        active = [p for p in items if p.status == PhotoStatus.ACTIVE]
        groups.append(
            {
                "code": code,
                "label": bmap.label(code),
                "photos": items,
                "comparable": len(active) > 1,
            }
        )
    return groups


def _map_sides(selected):
    bmap = body_map()
    return {
        "view_box": " ".join(str(v) for v in bmap.view_box),
        "sides": [
            {"code": code, "label": label, "regions": bmap.for_side(code)}
            for code, label in bmap.sides
        ],
        "selected": selected,
        "selected_label": bmap.label(selected) if selected else "",
    }


def _photos_page(request, patient, form=None, status=200):
    role = staff_role_for(request, patient)
    can_upload = role in CLINICAL_ROLES
    consent_missing = needs_consent(patient)
    site = request.GET.get("site") or (form.data.get("body_site") if form is not None else None)
    if form is None and can_upload and not consent_missing:
        form = PhotoUploadForm(patient=patient, site=site)
    photos = list(photos_for_patient(request, patient).select_related("uploaded_by"))
    audit_photos_shown(request, patient, photos, page="chart")
    context = _chart_context(request, patient, "photos")
    context.update(
        {
            "clinic": patient.clinic,
            "can_upload": can_upload,
            "consent_missing": consent_missing,
            "form": form if can_upload and not consent_missing else None,
            "groups": site_groups(photos),
            "body_map": _map_sides(site if body_map().get(site or "") else None),
        }
    )
    return render(request, "photos/patient_photos.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required_404
def patient_photos(request, pk):
    if request.method == "GET":
        return _photos_page(request, _staff_patient(request, pk))
    _staff_patient(request, pk)
    patient = get_patient_for_update(request, pk, roles=CLINICAL_ROLES)
    try:
        check_consent(Actor.from_request(request), patient)
    except ConsentMissing as error:
        messages.error(request, error.message)
        return redirect("patient_photos", pk=patient.pk)
    form = PhotoUploadForm(request.POST, request.FILES, patient=patient)
    if not form.is_valid():
        return _photos_page(request, patient, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        data = read_capped(upload, settings.PHOTO_MAX_BYTES, upload.size)
        photo = do_upload_photo(Actor.from_request(request), patient, data=data, **form.details())
    except PhotoError as error:
        form.add_error("file", error.message)
    except ConsentMissing as error:
        form.add_error(None, error.message)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            name = "taken_on" if field == "taken_at" else field
            form.add_error(name if name in form.fields else None, errors)
    else:
        messages.success(
            request, f"Saved the photo of the {body_map().label(photo.body_site).lower()}."
        )
        return redirect(f"{reverse('patient_photos', args=[patient.pk])}#site-{photo.body_site}")
    return _photos_page(request, patient, form, status=400)


def _detail_page(request, photo, form=None, status=200):
    patient = photo.patient
    role = staff_role_for(request, patient)
    context = _chart_context(request, patient, "photos") if role is not None else {}
    site_photos = list(
        photos_for_patient(request, patient)
        .filter(body_site=photo.body_site, status=PhotoStatus.ACTIVE)
        .order_by("taken_at", "pk")
    )
    context.update(
        {
            "patient": patient,
            "clinic": patient.clinic,
            "photo": photo,
            "site_label": body_map().label(photo.body_site),
            "is_staff_view": role is not None,
            "can_mark": role in CLINICAL_ROLES and photo.status == PhotoStatus.ACTIVE,
            "form": form or InErrorForm(),
            "comparable": role is not None and len(site_photos) > 1,
            "is_first": bool(site_photos) and site_photos[0].pk == photo.pk,
        }
    )
    return render(request, "photos/photo_detail.html", context, status=status)


@require_GET
@login_required_404
def photo_detail(request, pk):
    photo = get_photo_for_user(request, pk, page="detail")
    return _detail_page(request, photo)


@require_POST
@login_required_404
def photo_mark_in_error(request, pk):
    photo = get_photo_for_update(request, pk)
    form = InErrorForm(request.POST)
    if form.is_valid():
        try:
            do_mark_photo_in_error(
                Actor.from_request(request), photo, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason"))
        else:
            messages.success(request, "Marked the photo entered in error. The file is kept.")
            return redirect("photo_detail", pk=photo.pk)
    return _detail_page(request, photo, form, status=400)


def image_response(photo, *, thumb: bool, download: bool = False) -> HttpResponse:
    """The stored bytes with headers that keep them out of caches and sniffers; 404 if
    the file is missing."""
    try:
        data = storage.read(photo.thumb_path if thumb else photo.file_path)
    except (OSError, ValueError):
        raise Http404("Not found") from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    suffix = "_thumb" if thumb else ""
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="photo-{photo.pk}{suffix}.jpg"'
    return response


@require_GET
@login_required_404
def photo_image(request, pk):
    photo = get_photo_for_user(request, pk, variant="full")
    return image_response(photo, thumb=False)


@require_GET
@login_required_404
def photo_thumb(request, pk):
    photo = get_photo_for_user(request, pk, event=None)
    if not _was_shown(request, photo.pk):
        # Not part of a listing this user was just shown (and audited for): its own row.
        record(
            Event.PHOTO_VIEWED,
            Actor.from_request(request),
            patient=photo.patient,
            subject=photo,
            variant="thumb",
        )
    return image_response(photo, thumb=True)


def _pick(photos, value, default):
    if value in (None, ""):
        return default
    try:
        pk = int(value)
    except ValueError:
        raise Http404("Not found") from None
    chosen = next((p for p in photos if p.pk == pk), None)
    if chosen is None:
        raise Http404("Not found")
    return chosen


@require_GET
@login_required_404
def photo_compare(request, pk):
    patient = _staff_patient(request, pk)
    active = list(
        photos_for_patient(request, patient)
        .filter(status=PhotoStatus.ACTIVE)
        .order_by("taken_at", "pk")
    )
    bmap = body_map()
    sites = sorted({p.body_site for p in active}, key=bmap.order)
    comparable = [s for s in sites if sum(1 for p in active if p.body_site == s) > 1]
    site = request.GET.get("site") or (comparable[0] if comparable else None)
    context = _chart_context(request, patient, "photos")
    context.update(
        {
            "clinic": patient.clinic,
            "sites": [(code, bmap.label(code)) for code in comparable],
            "site": site,
            "site_label": bmap.label(site) if site else "",
        }
    )
    status = 200
    site_photos = [p for p in active if p.body_site == site]
    if site is not None and bmap.get(site) is None:
        context["problem"] = "Choose a body site from the list."
        status = 400
    elif len(site_photos) < 2:
        context["problem"] = (
            "There are not two photos of this site to compare yet."
            if site
            else "No body site has two photos to compare yet."
        )
    else:
        first = _pick(site_photos, request.GET.get("a"), site_photos[0])
        second = _pick(site_photos, request.GET.get("b"), site_photos[-1])
        if first.taken_at > second.taken_at:
            first, second = second, first
        context.update({"site_photos": site_photos, "a": first, "b": second})
        record(
            Event.PHOTOS_COMPARED,
            Actor.from_request(request),
            patient=patient,
            subject=patient,
            body_site=site,
            photo_ids=[first.pk, second.pk],
        )
    return render(request, "photos/compare.html", context, status=status)


@require_GET
@login_required_404
def portal_photos(request):
    patient = own_patient(request)
    photos = list(photos_for_patient(request, patient))
    audit_photos_shown(request, patient, photos, page="portal")
    context = {"patient": patient, "clinic": patient.clinic, "groups": site_groups(photos)}
    return render(request, "photos/portal.html", context)
