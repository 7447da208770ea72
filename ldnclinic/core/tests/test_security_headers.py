def test_pages_send_a_strict_content_security_policy(client, db):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_dynamic_responses_are_not_cached(client, db):
    assert client.get("/login/")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me")["Cache-Control"] == "no-store"


def test_patient_pages_are_not_cached(client_for, patient_a):
    response = client_for("clinician").get(f"/patients/{patient_a.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_frames_are_refused(client, db):
    assert client.get("/login/")["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client_for, patient_a):
    html = client_for("clinician").get(f"/patients/{patient_a.pk}/").content.decode()
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag, f"inline <script{tag}>"
    assert " style=" not in html
