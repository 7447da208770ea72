"""Version 1 of the four global consent documents, seeded by migration 0002.

Frozen: patients have signed these words and the hash of each is on record. To change a
text, publish a new version (consents.actions.do_publish_consent_version); never edit
this file. Facts from the project's clinical reference (§3 safety, §4 evidence).
"""

LDN_OFF_LABEL = """\
What this is about
Low dose naltrexone (LDN) is naltrexone, a medicine approved at 50 mg a day for alcohol and \
opioid dependence, taken at a much lower dose (usually 1.5 to 4.5 mg a day). No medicines \
regulator has approved LDN for any skin condition. Using it for your skin is "off-label": \
your clinician prescribes it on their own judgement, and a compounding pharmacy usually \
makes it.

What we know, and what we do not
The evidence for LDN in skin conditions is weak. Most of it comes from case reports and \
small case series: a handful of patients, no comparison group. Reports exist for \
Hailey-Hailey disease, lichen planopilaris, psoriasis and itch, among others. The only \
randomised controlled trial of LDN in a skin condition that we know of, in lichen \
planopilaris, found no difference between LDN and a placebo. For several \
conditions (for example atopic \
dermatitis, vitiligo, acne and hidradenitis suppurativa) we found no published LDN study \
at all. LDN may not help you. We will measure your skin condition before and during \
treatment so that you and your clinician can judge honestly whether it does.

Side effects
LDN is usually well tolerated. The most common side effects are vivid dreams, difficulty \
sleeping, headache and nausea. They are usually mild and often settle within days or \
weeks. Tell us about any side effect; a change of dose or timing often helps. Naltrexone \
at the standard 50 mg dose and above has been linked to liver injury at high doses; this \
is not expected at low doses, but tell us if you have liver disease.

Never with opioids
Naltrexone blocks opioid medicines. Do not take LDN if you take any opioid: for example \
codeine (including in cough syrups and some painkillers such as "Tylenol with codeine"), \
tramadol, oxycodone, hydrocodone, morphine, methadone, buprenorphine, or antidiarrhoeal \
medicines that contain an opioid. Taking LDN with an opioid can stop your pain relief \
working or cause sudden withdrawal. You need to be free of short-acting opioids for 7 to \
10 days before starting, and for 14 days after methadone or buprenorphine. If you may \
need surgery or strong pain relief, tell the surgeon or emergency team that you take \
naltrexone; it is usually stopped about 3 days before planned surgery.

Tell your other doctors
Tell every doctor, dentist, surgeon and pharmacist who treats you that you take low dose \
naltrexone. Tell us before you start any new medicine, if you become pregnant, plan a \
pregnancy or are breastfeeding (there are no studies of LDN in pregnancy), and if you take \
thyroid hormone or medicines that suppress the immune system.

Your choice
Taking LDN is your choice. You may stop at any time; tell us if you do. Saying no does not \
affect the rest of your care at this clinic.

By signing you confirm that you have read this, that you could ask questions, and that \
you agree to treatment with low dose naltrexone on these terms.
"""

PHOTOGRAPHY = """\
Why we take photographs
Photographs of your skin are part of your medical record. They let you and your clinician \
see whether a treatment is working, because changes in the skin are hard to remember or \
describe.

What we photograph and how
We photograph only the areas being treated, in the same light and position each time where \
we can. We avoid your face and identifying marks unless they are the area being treated, \
and we tell you before each photograph. You may ask us to stop at any time.

Where the photographs are kept and who sees them
Photographs are stored in your clinic record, not on staff phones or personal devices. They \
are seen only by the clinicians and staff caring for you, and by you in the patient \
portal. Every time someone opens them it is recorded. They are never used for teaching, \
publication or advertising without a separate written consent from you.

Withdrawing consent
You can withdraw this consent at any time by telling the clinic. We will take no further \
photographs. Photographs already taken stay in your medical record, as the law requires \
for medical records, but you can ask us about them.

By signing you agree that the clinic may take and keep clinical photographs of your skin \
for your care, as described here.
"""

TELEHEALTH = """\
What telehealth is
Some of your appointments may take place by video or telephone instead of in person.

What it can and cannot do
A clinician can discuss your symptoms, review your progress and photographs, and adjust \
your treatment by video. They cannot examine you physically. If they need to, they will \
ask you to come in. Telehealth is not for emergencies: in an emergency call your local \
emergency number.

Privacy on a call
We use a secure video service and do not record calls. Please take the call somewhere \
private. Tell us if someone else is with you. The same confidentiality applies as in the \
clinic.

If the connection fails
If the call drops, we will try to call you back on the phone number in your record. If we \
cannot reach you, we will rebook the appointment.

By signing you agree to receive care by video or telephone when you and your clinician \
choose it. You can ask for an in-person appointment instead at any time.
"""

PRIVACY = """\
What we keep
We keep the information you give us and the information created while caring for you: \
your contact details, medical history, medicines, questionnaire answers, photographs, \
treatment plans, prescriptions, appointments and messages.

Why we keep it
We use it to care for you safely, to book and remind you of appointments, and to meet our \
legal duties. We do not sell it and do not use it for advertising.

Who sees it
Only the clinic staff who need it for your care or for running the clinic. We share it \
with others (for example a pharmacy filling your prescription or another doctor treating \
you) only when your care needs it, when you ask us to, or when the law requires it. Every \
time someone opens your record it is logged.

How long we keep it
Medical records are kept for as long as the law requires. We do not delete medical records \
on request, but you can ask us to correct anything that is wrong.

Your rights
You can see your record in the patient portal, ask for a copy, ask us to correct it, and \
ask who has looked at it. Contact the clinic to do any of these.

By signing you confirm that you have read how we handle your information.
"""

DOCUMENTS = [
    ("ldn_off_label", "Consent to off-label treatment with low dose naltrexone", LDN_OFF_LABEL),
    ("photography", "Consent to clinical photography", PHOTOGRAPHY),
    ("telehealth", "Consent to telehealth appointments", TELEHEALTH),
    ("privacy", "Privacy notice and consent", PRIVACY),
]
