"""Session series API."""

from ninja import Router

router = Router(tags=["Session series"])
