"""The SMS backend interface: send_sms picks settings.SMS_BACKEND."""

import io

import pytest

from ldnclinic.core import sms


def test_tests_use_the_locmem_backend_and_it_keeps_messages(settings):
    assert settings.SMS_BACKEND == "ldnclinic.core.sms.LocmemBackend"

    assert sms.send_sms(" +1 555 0100 ", "See you Monday.") == 1

    assert sms.outbox == [sms.SmsMessage(to="+1 555 0100", body="See you Monday.")]
    assert sms.LocmemBackend.outbox is sms.outbox


def test_the_console_backend_prints_each_message():
    stream = io.StringIO()
    backend = sms.ConsoleBackend(stream=stream)

    sms.send_sms("+1 555 0100", "First", backend=backend)
    sms.send_sms("+1 555 0101", "Second", backend=backend)

    printed = stream.getvalue()
    assert "SMS to: +1 555 0100\nFirst\n" in printed
    assert "SMS to: +1 555 0101\nSecond\n" in printed
    assert sms.outbox == []


def test_the_console_backend_is_the_default_and_prints_to_stdout(settings, capsys):
    from ldnclinic import settings as project_settings

    assert project_settings.SMS_BACKEND == "ldnclinic.core.sms.ConsoleBackend"
    settings.SMS_BACKEND = project_settings.SMS_BACKEND
    sms.send_sms("+1 555 0100", "Hello")
    assert "SMS to: +1 555 0100" in capsys.readouterr().out


def test_the_setting_names_the_backend(settings):
    settings.SMS_BACKEND = "ldnclinic.core.tests.test_sms.RefusingBackend"

    with pytest.raises(sms.SmsError, match="refused"):
        sms.send_sms("+1 555 0100", "Hello")
    assert sms.outbox == []


@pytest.mark.parametrize(("to", "body"), [("", "Hello"), ("  ", "Hello"), ("+1 555 0100", " ")])
def test_it_refuses_to_send_without_a_number_or_a_text(to, body):
    with pytest.raises(sms.SmsError):
        sms.send_sms(to, body)
    assert sms.outbox == []


def test_the_base_backend_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        sms.BaseBackend().send([sms.SmsMessage("+1 555 0100", "Hello")])


class RefusingBackend(sms.BaseBackend):
    def send(self, messages):
        raise sms.SmsError("The provider refused the message.")
