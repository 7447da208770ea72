"""Plan preview API."""

from ninja import Router

router = Router(tags=["Plan preview"])
