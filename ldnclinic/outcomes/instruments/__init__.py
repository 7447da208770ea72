"""Outcome instruments: data (data/*.json) plus a pure calculator each.

score("PASI", {"regions": {...}}) -> Result(total, band, components)
compare("PASI", 20, 4) -> {"percent_change": -80.0, "reached": ["PASI-50", "PASI-75"], ...}
"""

from ldnclinic.outcomes.instruments.base import InstrumentInputError, Result
from ldnclinic.outcomes.instruments.registry import (
    FHIR_SYSTEM,
    Instrument,
    UnknownInstrument,
    catalogue,
    compare,
    get_instrument,
    score,
)

__all__ = [
    "FHIR_SYSTEM",
    "Instrument",
    "InstrumentInputError",
    "Result",
    "UnknownInstrument",
    "catalogue",
    "compare",
    "get_instrument",
    "score",
]
