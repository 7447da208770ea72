import pytest
from django.db import DatabaseError, connection, transaction

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.audit.models import AppendOnlyError, AuditEvent

only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only (migration 0002)",
)


@pytest.fixture
def event(clinic):
    return record(Event.LOGIN_FAILED, Actor.system(), clinic=clinic, email="who@x.test")


def unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    return (stored.code, stored.payload) == (Event.LOGIN_FAILED, {"email": "who@x.test"})


def test_it_appends(event):
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_saving_an_existing_event_is_refused(event):
    event.payload = {"email": "someone-else@x.test"}
    with pytest.raises(AppendOnlyError):
        event.save()
    fetched = AuditEvent.objects.get(pk=event.pk)
    fetched.code = Event.LOGIN_SUCCEEDED
    with pytest.raises(AppendOnlyError):
        fetched.save(update_fields=["code"])
    assert unchanged(event)


def test_saving_a_new_event_with_a_chosen_id_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent(pk=event.pk, code=Event.LOGOUT).save()
    assert unchanged(event)


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert unchanged(event)


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(code=Event.LOGOUT)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    # bulk_update marks the transaction as failed; give it a savepoint of its own.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["code"])
    assert unchanged(event)


def test_djangos_base_manager_refuses_too(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent._base_manager.filter(pk=event.pk).update(code=Event.LOGOUT)
    with pytest.raises(AppendOnlyError):
        AuditEvent._base_manager.all().delete()
    assert unchanged(event)


def test_update_or_create_cannot_change_an_event(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"code": Event.LOGOUT})
    assert unchanged(event)


@only_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET code = 903 WHERE id = %s",
        "UPDATE audit_auditevent SET payload = '{}'::jsonb WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert unchanged(event)


@only_postgresql
def test_the_database_still_accepts_inserts(event):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (created_at, code, actor_label, subject_type,"
            " subject_id, via, payload) VALUES (now(), 903, 'sql', '', '', 'cli', '{}')"
        )
    assert AuditEvent.objects.filter(actor_label="sql").exists()
