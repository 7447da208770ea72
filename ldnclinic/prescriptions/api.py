"""Prescriptions API."""

from ninja import Router

router = Router(tags=["Prescriptions"])
