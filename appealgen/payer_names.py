"""A payer as people read it: the name its remittance gives (N1*PR), written one way."""

from __future__ import annotations

import re

CORPORATE = {"INC", "INCORPORATED", "LLC", "LLP", "LP", "CO", "CORP", "CORPORATION", "COMPANY", "LTD", "PC", "PLLC"}


def payer_label(name: str) -> str:
    """A payer's remittance name in capitals, without punctuation or a trailing corporate form,
    so "Acme Health Plan, Inc." and "ACME HEALTH PLAN" are one payer."""
    words = re.sub(r"[^A-Z0-9&]+", " ", name.upper()).split()
    while len(words) > 1 and words[-1] in CORPORATE:
        words.pop()
    return " ".join(words) or name
