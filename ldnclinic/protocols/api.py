"""Protocols API."""

from ninja import Router

router = Router(tags=["Protocols"])
