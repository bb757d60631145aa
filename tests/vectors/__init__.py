"""Public standards test data, copied byte for byte from its sources (see ``PROVENANCE.md`` here)."""

from pathlib import Path

VECTORS = Path(__file__).resolve().parent
