import pytest
from django.test import Client

EXPECTED = {
    "GET /api/v1/patients",
    "POST /api/v1/patients",
    "GET /api/v1/patients/{patient_id}",
    "PATCH /api/v1/patients/{patient_id}",
    "POST /api/v1/patients/{patient_id}/deactivate",
    "POST /api/v1/patients/{patient_id}/reactivate",
}


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(schema):
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_it_is_an_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ldnclinic API"
    assert schema["info"]["version"] == "1"


def test_it_lists_the_patient_operations(schema):
    assert set(operations(schema)) >= EXPECTED


def test_every_operation_has_a_unique_id_and_a_summary(schema):
    ids = [op["operationId"] for op in operations(schema).values()]
    assert len(ids) == len(set(ids))
    assert all(op.get("summary") for op in operations(schema).values())


def test_every_reference_resolves(schema):
    components = schema.get("components", {}).get("schemas", {})
    for ref in refs(schema):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in components, ref


def test_path_parameters_are_declared(schema):
    for name, operation in operations(schema).items():
        if "{patient_id}" in name:
            params = {(p["name"], p["in"]) for p in operation["parameters"]}
            assert ("patient_id", "path") in params, name


def test_it_documents_the_error_shape(schema):
    for name, operation in operations(schema).items():
        if "/patients" not in name:
            continue
        for status in ("400", "401", "403", "404", "422"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/ErrorOut"), (name, status)


def test_it_documents_both_ways_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_create_forbids_unknown_fields(schema):
    create = schema["components"]["schemas"]["PatientCreateIn"]
    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"given_name", "family_name", "date_of_birth"}


def test_the_docs_page_renders(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger" in body.lower()
    assert "/api/v1/openapi.json" in body
