"""Outcome instruments API."""

from ninja import Router

router = Router(tags=["Outcome instruments"])
