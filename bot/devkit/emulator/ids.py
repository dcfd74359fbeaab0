"""Deterministic, realistic-looking ids (``wrk_`` + 24 hex) from a seeded counter.

Two emulators built with the same seed hand out the same ids in the same order, which
keeps test failures reproducible while the ids still look like the real service's.
"""

from __future__ import annotations

import hashlib
from collections import Counter


class IdFactory:
    """Hands out ``<prefix>_<24 hex>`` ids; one counter per prefix."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._counts: Counter[str] = Counter()

    def new(self, prefix: str) -> str:
        self._counts[prefix] += 1
        material = f"{self._seed}:{prefix}:{self._counts[prefix]}".encode()
        return f"{prefix}_{hashlib.sha256(material).hexdigest()[:24]}"
