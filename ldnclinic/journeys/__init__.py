"""Browser journeys: Playwright drives Chromium through the pages as people use them."""
