"""Issue 6's journey: a patient on a psoriasis plan logs a week of diary on a phone, with two
nights of trouble sleeping after starting and one missed dose; the clinician sees the sleep
signal with the diary lines behind it, scores PASI at today's follow-up with the total
updating live, uploads a photo of the baseline site and compares the two; both see the
progress timeline (the clinician's, and the patient's simplified one).

Runs on the real clock, as the diary journey does (the browser's session cookie would expire
under a frozen one): the plan started six days ago in the clinic's time zone (New York), the
baseline PASI and photo were taken 28 days ago, the follow-up is today."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.log import Actor
from ldnclinic.consents.models import ConsentDocument, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents
from ldnclinic.diary.models import DiaryEntry, Signal
from ldnclinic.diary.schedule import today_for
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.instruments import get_instrument
from ldnclinic.outcomes.models import Assessment
from ldnclinic.photos.actions import do_upload_photo
from ldnclinic.photos.models import ClinicalPhoto
from ldnclinic.photos.tests.factories import sign_photo_consent
from ldnclinic.plans.models import Plan, PlanStatus
from ldnclinic.prescriptions.tests.factories import add_version, plan_params
from ldnclinic.protocols.library import ensure_global_protocols, get_protocol_version
from ldnclinic.scheduling.models import Appointment, Service

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IMAGES_LOADED = "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
BASELINE_PASI = get_instrument("PASI").data["example"]  # 22.4, severe
# Today's PASI as the clinician enters it: 13.6, moderate; 8.8 points (39.3 %) lower.
FOLLOW_UP_PASI = {
    "Head": {"Erythema": "1", "Induration": "1", "Desquamation": "1", "Area": "2"},
    "Upper limbs": {"Erythema": "2", "Induration": "1", "Desquamation": "1", "Area": "2"},
    "Trunk": {"Erythema": "2", "Induration": "2", "Desquamation": "1", "Area": "2"},
    "Lower limbs": {"Erythema": "3", "Induration": "2", "Desquamation": "2", "Area": "3"},
}
# The diary week, oldest day first: (days before today, took the dose, trouble sleeping
# 0-3, itch 0-10, sleep quality 0-10). Nights 2 and 3 of the plan were bad.
WEEK = [
    (6, True, 0, 6, 6),
    (5, True, 2, 6, 3),
    (4, True, 2, 5, 2),
    (3, True, 0, 5, 5),
    (2, False, 0, 5, 6),
    (1, True, 0, 4, 7),
    (0, True, 0, 4, 7),
]
SEVERITY = {0: "None", 1: "Mild", 2: "Moderate", 3: "Severe"}


def skin_photo(plaque_radius, *, size=(900, 675)) -> bytes:
    """A made-up close-up: skin tone with a red, scaly-looking patch of the given size."""
    image = Image.new("RGB", size, (224, 180, 150))
    draw = ImageDraw.Draw(image)
    cx, cy = size[0] // 2, size[1] // 2
    box = (cx - plaque_radius, cy - int(plaque_radius * 0.7))
    box += (cx + plaque_radius, cy + int(plaque_radius * 0.7))
    draw.ellipse(box, fill=(196, 84, 84))
    for n in range(0, plaque_radius, 24):
        draw.arc(box, 200 + n % 90, 260 + n % 90, fill=(236, 226, 214), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def world(clinic, users, patient_a):
    """Patient A on an active psoriasis plan (the library's protocol, started six days
    ago), with the photography consent signed, a baseline PASI and a baseline photo of the
    left elbow 28 days ago, and a follow-up consultation today."""
    # An earlier journey's flush may have emptied what the data migrations seeded.
    ensure_global_protocols()
    seed_default_documents(ConsentDocument, ConsentVersion)
    clinician = users["clinician"]
    actor = Actor(user=clinician, ip=None, via="test")
    now = timezone.now()
    today = today_for(patient_a)
    plan = Plan.objects.create(
        clinic=clinic,
        patient=patient_a,
        condition_slug="psoriasis",
        condition_name="Psoriasis",
        protocol_version=get_protocol_version(clinic, "psoriasis-ldn"),
        status=PlanStatus.ACTIVE,
    )
    add_version(plan, params=plan_params(start=today - dt.timedelta(days=6)))
    sign_photo_consent(patient_a)
    # The baseline visit: 10:00 clinic time four weeks ago.
    baseline_day = today - dt.timedelta(days=28)
    baseline_at = dt.datetime.combine(baseline_day, dt.time(10), tzinfo=clinic.tz)
    baseline = do_record_assessment(
        actor,
        patient_a,
        instrument_code="PASI",
        items=BASELINE_PASI,
        source="clinician",
        assessed_at=baseline_at,
        plan=plan,
        note="Baseline before LDN",
    )
    photo = do_upload_photo(
        actor,
        patient_a,
        data=skin_photo(260),
        body_site="left_elbow",
        view="close_up",
        taken_at=baseline_at,
        note="Baseline",
    )
    service, _ = Service.objects.get_or_create(
        clinic=clinic,
        slug="follow-up",
        defaults={"name": "Follow-up", "duration_minutes": 30},
    )
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    follow_up = Appointment.objects.create(
        clinic=clinic,
        patient=patient_a,
        service=service,
        practitioner=Membership.objects.get(user=clinician),
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=30),
    )
    return {
        "patient": patient_a,
        "plan": plan,
        "today": today,
        "baseline": baseline,
        "baseline_photo": photo,
        "follow_up": follow_up,
    }


def settled(page):
    """htmx has swapped in and settled what it fetched."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling,"
        " .htmx-added')"
    )


def day_text(day):
    return f"{day:%A} {day.day} {day:%B}"


def fill_day(page, taken, insomnia, itch, sleep):
    """Tap the answers for one day: a few taps, no typing."""
    form = page.locator("form.diary-form")
    form.get_by_text("Yes, I took it" if taken else "No, I missed it").click()
    trouble = form.locator("fieldset", has_text="Trouble sleeping")
    trouble.get_by_text(SEVERITY[insomnia]).click()
    form.locator("fieldset", has_text="Itch").get_by_text(str(itch), exact=True).click()
    form.locator("fieldset", has_text="Sleep quality").get_by_text(str(sleep), exact=True).click()
    expect(trouble.locator("input:checked")).to_have_value(str(insomnia))


def save_day(page, day):
    page.locator("form.diary-form").get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text(f"Saved your diary for {day_text(day)}.")).to_be_visible()


def test_outcomes_from_diary_to_timeline(open_browser, world, patient_b):
    patient, plan, today = world["patient"], world["plan"], world["today"]

    # 1. The patient logs the week on a phone, one day at a time, oldest first.
    me = open_browser("patient")
    page = me.page
    page.set_viewport_size(PHONE)
    me.log_in("patient@x.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My diary").click()
    expect(page.get_by_role("heading", name="My diary", level=1)).to_be_visible()
    me.look("diary-empty", axe=True)
    days = page.locator(".diary-days li")
    for back, taken, insomnia, itch, sleep in WEEK:
        day = today - dt.timedelta(days=back)
        if back:
            days.nth(back).get_by_role("link").click()
            expect(page.get_by_role("heading", name=day_text(day), level=2)).to_be_visible()
        else:
            expect(page.get_by_role("heading", name="Today", level=2)).to_be_visible()
        fill_day(page, taken, insomnia, itch, sleep)
        if back == 5:
            me.look("diary-bad-night", axe=True)
        save_day(page, day)
    assert DiaryEntry.objects.filter(patient=patient).count() == 7
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    expect(days.nth(0)).to_contain_text("Dose taken")
    expect(days.nth(2)).to_contain_text("MISSED")
    expect(days.nth(4)).to_contain_text("Trouble sleeping moderate")
    expect(days.nth(5)).to_contain_text("Trouble sleeping moderate")
    expect(days.nth(5)).to_contain_text("sleep 3/10")
    # Nothing before the plan started counts as missed: one missed dose in the fortnight.
    expect(page.locator(".diary-days", has_text="MISSED").get_by_text("MISSED")).to_have_count(1)
    days.nth(6).scroll_into_view_if_needed()
    me.look("diary-week", axe=True)

    bad_nights = [(today - dt.timedelta(days=n)) for n in (5, 4)]
    signal = Signal.objects.get(patient=patient, rule="sleep.early")
    assert signal.dates == [d.isoformat() for d in bad_nights]
    assert signal.plan == plan

    # 2. The clinician opens Signals: the sleep signal with the two diary lines behind it.
    doctor = open_browser("clinician")
    page = doctor.page
    doctor.log_in("clinician@x.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Signals").click()
    expect(page.get_by_role("heading", name="Diary signals", level=1)).to_be_visible()
    card = page.locator("section.signal", has_text="Sleep disturbance early in a step")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_contain_text(patient.full_name)
    lines = card.locator("table.signal-lines tbody tr")
    expect(lines).to_have_count(2)
    for line, night in zip(lines.all(), bad_nights, strict=True):
        expect(line.get_by_role("cell").first).to_have_text(night.isoformat())
    expect(card.locator("table.signal-lines thead")).to_contain_text("Trouble sleeping")
    expect(card).to_contain_text("moving the dose to the morning")
    expect(card.get_by_role("link", name="Adjust the plan")).to_be_visible()
    doctor.look("signals", axe=True)

    # 3. The patient's chart, Assessments, PASI at the follow-up with the live total.
    card.get_by_role("link", name=patient.full_name).click()
    expect(page.locator("table.diary-table")).to_contain_text("MISSED")
    doctor.look("chart-diary", axe=True)
    sections = page.get_by_role("navigation", name="Chart sections")
    sections.get_by_role("link", name="Assessments").click()
    pasi_card = page.locator("section", has=page.get_by_role("heading", name=re.compile("PASI")))
    expect(pasi_card).to_contain_text("Baseline 22.4")
    doctor.look("assessments-baseline", axe=True)
    page.get_by_role("link", name="Score PASI").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Score .*\(PASI\)"))).to_be_visible()
    follow_up = world["follow_up"]
    expect(page.get_by_label("Appointment")).to_have_value(str(follow_up.pk))
    expect(page.get_by_label("Plan", exact=True)).to_have_value(str(plan.pk))
    preview = page.locator("#assessment-preview")
    total = preview.locator(".assessment-total strong")
    for region, scores in FOLLOW_UP_PASI.items():
        group = page.get_by_role("group", name=region, exact=True)
        for label, value in scores.items():
            group.get_by_label(label).select_option(value)
        if region == "Head":
            settled(page)
            expect(total).to_have_text("—")
            expect(preview).to_contain_text("12 items still to fill in")
    settled(page)
    expect(total).to_have_text("13.6")
    expect(preview).to_contain_text("moderate")
    doctor.look("pasi-live-total", axe=True)
    # A change updates the total live: lower limbs area 3 -> 2 takes 0.4 × 7 off.
    lower = page.get_by_role("group", name="Lower limbs", exact=True)
    lower.get_by_label("Area").select_option("2")
    settled(page)
    expect(total).to_have_text("10.8")
    lower.get_by_label("Area").select_option("3")
    settled(page)
    expect(total).to_have_text("13.6")
    page.get_by_label("Note").fill("One week on LDN; plaques thinner.")
    page.get_by_role("button", name="Save PASI").click()
    expect(page.get_by_text("PASI recorded: 13.6.")).to_be_visible()
    compared = page.locator(
        "section", has=page.get_by_role("heading", name="Compared with baseline")
    )
    expect(compared).to_contain_text("22.4")
    expect(compared).to_contain_text("-8.8 (-39.3 %)")
    doctor.look("pasi-saved", axe=True)
    scored = Assessment.objects.get(patient=patient, instrument="PASI", appointment=follow_up)
    assert (float(scored.total), scored.band, scored.plan) == (13.6, "moderate", plan)

    # 4. Photos: the left elbow from the body map, then the comparison with the baseline.
    sections.get_by_role("link", name="Photos").click()
    expect(page.get_by_role("heading", name="Add a photo")).to_be_visible()
    expect(page.locator("#site-left_elbow li.photo-tile")).to_have_count(1)
    page.get_by_role("link", name="Left elbow").click()
    expect(page.locator("#id_body_site")).to_have_value("left_elbow")
    expect(page.locator("[data-body-map-status]")).to_contain_text("Left elbow")
    page.locator("#id_file").set_input_files(
        {"name": "elbow.jpg", "mimeType": "image/jpeg", "buffer": skin_photo(150)}
    )
    page.get_by_label("View").select_option("close_up")
    page.get_by_label("Note").fill("Follow-up, one week")
    doctor.look("photo-form", axe=True)
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("Saved the photo of the left elbow")).to_be_visible()
    expect(page.locator("#site-left_elbow li.photo-tile")).to_have_count(2)
    page.wait_for_function(IMAGES_LOADED)
    doctor.look("photos", axe=True)
    assert ClinicalPhoto.objects.filter(patient=patient, body_site="left_elbow").count() == 2

    page.get_by_role("link", name="Compare Left elbow over time").click()
    expect(page.get_by_role("heading", name="Compare photos · Left elbow")).to_be_visible()
    pair = page.locator(".compare-pair figure")
    expect(pair).to_have_count(2)
    baseline_day = world["baseline_photo"].taken_at.astimezone(patient.clinic.tz)
    expect(pair.first.locator("figcaption")).to_contain_text(
        f"Before · {baseline_day.day} {baseline_day:%b %Y}"
    )
    expect(pair.last.locator("figcaption")).to_contain_text(f"After · {today.day} {today:%b %Y}")
    slider = page.get_by_label("Divider: before on the left, after on the right")
    expect(slider).to_be_visible()
    page.wait_for_function(IMAGES_LOADED)
    doctor.look("compare-half", axe=True)
    slider.fill("15")
    clip = page.locator("[data-compare-over]").evaluate("el => el.style.clipPath")
    assert clip == "inset(0px 0px 0px 15%)"
    expect(slider).to_have_attribute("aria-valuetext", "15% before, 85% after")
    doctor.look("compare-mostly-after", axe=True)
    slider.fill("90")
    assert page.locator("[data-compare-over]").evaluate("el => el.style.clipPath") == (
        "inset(0px 0px 0px 90%)"
    )
    doctor.look("compare-mostly-before", axe=True)

    # 5. Progress: the dose line, the two PASI points, itch and sleep, the thumbnails.
    sections.get_by_role("link", name="Progress").click()
    expect(page.get_by_role("heading", name="Progress timeline")).to_be_visible()
    dose = page.locator("#tl-dose")
    expect(dose.locator("path")).not_to_have_count(0)
    expect(dose).not_to_contain_text("No LDN plan in this range.")
    pasi_panel = page.locator("section.tl-panel", has=page.locator("#tl-inst-pasi"))
    expect(pasi_panel.get_by_role("heading", level=2)).to_contain_text(
        "Psoriasis Area and Severity Index"
    )
    expect(pasi_panel.locator("#tl-inst-pasi circle")).to_have_count(2)
    pasi_table = pasi_panel.locator("details.tl-data table")
    expect(pasi_table.locator("tbody tr")).to_have_count(2)
    expect(pasi_table).to_contain_text("22.4")
    expect(pasi_table).to_contain_text("13.6")
    diary_panel = page.locator("section.tl-panel", has=page.locator("#tl-diary"))
    expect(diary_panel).to_contain_text("1 missed dose in this range")
    expect(diary_panel.locator("#tl-diary polyline, #tl-diary path")).not_to_have_count(0)
    expect(diary_panel.locator("details.tl-data tbody tr")).to_have_count(7)
    thumbs = page.locator(".tl-thumbs img")
    expect(thumbs).to_have_count(2)
    thumbs.first.scroll_into_view_if_needed()  # the thumbnails load lazily
    page.wait_for_function(IMAGES_LOADED)
    doctor.look("timeline", axe=True)
    for details in page.locator("details.tl-data").all():
        details.locator("summary").click()
    doctor.look("timeline-tables", axe=True)

    # 6. The patient's own, simpler timeline on the phone.
    page = me.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My progress").click()
    expect(page.get_by_role("heading", name="My progress", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="My LDN dose")).to_be_visible()
    expect(page.get_by_role("heading", name="My itch and sleep")).to_be_visible()
    expect(page.get_by_role("heading", name="My photos")).to_be_visible()
    expect(page.locator("#tl-inst-pasi circle")).to_have_count(2)
    expect(page.locator("#tl-sessions")).to_have_count(0)  # staff only
    expect(page.get_by_text("Responses:")).to_have_count(0)  # staff only
    expect(page.locator(".tl-thumbs img")).to_have_count(2)
    page.locator(".tl-thumbs img").first.scroll_into_view_if_needed()
    page.wait_for_function(IMAGES_LOADED)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    me.look("my-progress", axe=True)
    # On a phone each chart scrolls sideways; the latest weeks are at its right end.
    for figure in page.locator(".tl-figure").all():
        figure.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    me.look("my-progress-latest")

    # Nobody else's records: the patient's own chart tab and another patient's are 404,
    # and so is this patient's timeline for another clinic's staff.
    assert page.goto(f"/patients/{patient.pk}/timeline/").status == 404
    assert page.goto(f"/patients/{patient_b.pk}/timeline/").status == 404
    stranger = open_browser("other-clinic")
    stranger.log_in("admin@y.test")
    for path in ("timeline", "photos", "assessments", "diary"):
        assert stranger.page.goto(f"/patients/{patient.pk}/{path}/").status == 404
    scored_photo = ClinicalPhoto.objects.filter(patient=patient).latest("taken_at")
    assert stranger.page.goto(f"/photos/{scored_photo.pk}/thumb").status == 404
