"""Patient diary API."""

from ninja import Router

router = Router(tags=["Patient diary"])
