# The browser test here uses the journeys' fixtures (live server, Chromium, axe).
from ldnclinic.journeys.conftest import *  # noqa: F403
