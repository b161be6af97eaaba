"""Realistic synthetic operator data with a known ground truth: `generate(out_dir)`."""

from __future__ import annotations

from .vocabulary import (CITIES, EMERGING, EMERGING_TEMPLATES, PAIN_POINTS, PLANS, SHORT_TEMPLATES, TEMPLATES,
                         _TRAD_MAP, generate, to_traditional)

__all__ = ["generate", "PAIN_POINTS", "EMERGING", "TEMPLATES", "SHORT_TEMPLATES", "EMERGING_TEMPLATES", "CITIES",
           "PLANS", "to_traditional", "_TRAD_MAP"]
