"""Settings of adverse-media ingestion, passed in explicitly.

The general :class:`~chokepoint.settings.Settings` say where the database
is and how downloads behave (timeout, attempts, backoff: the same as list
updates); :class:`MediaSettings` say how articles are read and compared.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "CHOKEPOINT_MEDIA_"


class MediaSettings(BaseModel):
    """Limits and thresholds of article ingestion."""

    model_config = ConfigDict(frozen=True)

    #: Largest input file (or download) read, in bytes.
    max_bytes: int = Field(default=5_000_000, gt=0)
    #: A story shorter than this (characters) is not an article.
    min_story_chars: int = Field(default=300, gt=0)
    #: Words per shingle of the near-duplicate signature.
    shingle_words: int = Field(default=4, ge=1)
    #: Permutations of the MinHash signature (a multiple of ``bands``).
    permutations: int = Field(default=128, ge=8)
    #: Locality-sensitive hashing bands the signature is cut into.
    bands: int = Field(default=32, ge=1)
    #: Estimated Jaccard similarity of shingles at or above which an
    #: article is a duplicate (a syndicated copy) of an earlier one.
    duplicate_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    #: Specific mentions (places other than countries, listed entities,
    #: people, programme terms) two articles must share to be related
    #: reports of one event.
    related_min_shared: int = Field(default=3, ge=1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "MediaSettings":
        """``CHOKEPOINT_MEDIA_MAX_BYTES`` and the like."""
        env = os.environ if environ is None else environ
        values = {name: env[ENV_PREFIX + name.upper()] for name in cls.model_fields
                  if env.get(ENV_PREFIX + name.upper())}
        return cls(**values)
