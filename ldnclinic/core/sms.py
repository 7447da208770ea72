"""Text messages, behind a backend like Django's email backends.

`send_sms(to, body)` hands one message to the backend named by `settings.SMS_BACKEND`:

- `ldnclinic.core.sms.ConsoleBackend` (the development default) prints each message to
  standard output, as Django's console email backend does;
- `ldnclinic.core.sms.LocmemBackend` keeps them in `ldnclinic.core.sms.outbox` (the test
  suite uses it and empties the outbox before each test).

Plugging in a real provider: subclass `BaseBackend`, implement `send(messages)` so that
it hands each message to the provider and raises `SmsError` (or lets the client's own
exception through) when the provider refuses one, then set `SMS_BACKEND` to its dotted
path. Keep the provider's credentials in environment variables read by the settings.
For example, for an HTTP provider::

    class AcmeSmsBackend(BaseBackend):
        def send(self, messages):
            for message in messages:
                response = requests.post(
                    "https://api.acme-sms.example/v1/messages",
                    auth=(settings.ACME_SMS_ACCOUNT, settings.ACME_SMS_KEY),
                    data={"to": message.to, "from": settings.ACME_SMS_SENDER,
                          "body": message.body},
                    timeout=10,
                )
                if response.status_code >= 400:
                    raise SmsError(f"Acme refused the message: {response.status_code}")
            return len(messages)

Providers want numbers in E.164 form (+15555550100); the patient form stores what the
front desk typed, so a real backend should normalise or reject other forms. `send` must
raise when a message was not accepted: `send_reminders` records the error and retries,
and a backend that swallows errors makes failed reminders look sent.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider did not accept a message."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


# LocmemBackend's messages, oldest first; tests read and empty it.
outbox: list[SmsMessage] = []


class BaseBackend:
    def __init__(self, **kwargs):
        pass

    def send(self, messages: list[SmsMessage]) -> int:
        """Send `messages`; return how many were sent. Raise if one was refused."""
        raise NotImplementedError("An SMS backend must implement send(messages).")


class ConsoleBackend(BaseBackend):
    """Prints messages instead of sending them (development)."""

    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send(self, messages):
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to: {message.to}\n{message.body}\n{'-' * 79}\n")
            self.stream.flush()
        return len(messages)


class LocmemBackend(BaseBackend):
    """Keeps messages in `ldnclinic.core.sms.outbox` (tests)."""

    outbox = outbox

    def send(self, messages):
        outbox.extend(messages)
        return len(messages)


def get_backend(path=None, **kwargs) -> BaseBackend:
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def send_sms(to: str, body: str, *, backend: BaseBackend | None = None) -> int:
    """Send one text message through the configured backend; raises on failure."""
    to, body = (to or "").strip(), (body or "").strip()
    if not to:
        raise SmsError("No phone number to send to.")
    if not body:
        raise SmsError("An empty message was not sent.")
    return (backend or get_backend()).send([SmsMessage(to=to, body=body)])
