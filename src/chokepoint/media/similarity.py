"""Near-duplicate detection (syndicated copies of one article) and the
links between related reports of one event.

A story's signature is a MinHash (``datasketch``) over its shingles:
overlapping runs of ``MediaSettings.shingle_words`` words, lower-case
ASCII. The signature is cut into ``bands`` bands; each band's hash is
stored, so the earlier articles that may be copies of a new one are found
by an index lookup (locality-sensitive hashing), and their estimated
Jaccard similarity decides. Related reports are not copies: they share
specific mentions (ports, sites, listed entities, people, programme
terms), counted by :func:`shared_mentions`.
"""

from __future__ import annotations

import hashlib

import numpy as np
from datasketch import MinHash

from chokepoint.media.config import MediaSettings
from chokepoint.media.text import ascii_word

#: Fixed seed: signatures of the same text are equal on every machine.
SEED = 20230609


def shingles(body: str, size: int) -> set[bytes]:
    words = [w for w in (ascii_word(p) for p in body.split()) if w]
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def signature(body: str, media: MediaSettings) -> list[int]:
    """The MinHash signature of a story."""
    minhash = MinHash(num_perm=media.permutations, seed=SEED)
    minhash.update_batch(list(shingles(body, media.shingle_words)))
    return [int(v) for v in minhash.hashvalues]


def band_keys(sig: list[int], media: MediaSettings) -> list[str]:
    """One key per band: ``<band>:<hash of its rows>``."""
    rows = max(1, len(sig) // media.bands)
    out = []
    for band in range(media.bands):
        part = sig[band * rows:(band + 1) * rows]
        if not part:
            break
        digest = hashlib.blake2b(np.asarray(part, dtype=np.uint64).tobytes(), digest_size=8).hexdigest()
        out.append(f"{band}:{digest}")
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two stories' shingles."""
    if not a or len(a) != len(b):
        return 0.0
    return float(np.mean(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64)))


def shared_mentions(mine: set[str], theirs: set[str]) -> list[str]:
    return sorted(mine & theirs)
