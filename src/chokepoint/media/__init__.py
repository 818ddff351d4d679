"""Adverse media: news articles a user feeds chokepoint, the story
extracted from each, and the listed parties, places and programme terms
the story mentions, linked to screening.

Flow: ``read`` (files, folders, URL lists; size, emptiness and binary
checks) → ``extract`` (trafilatura for HTML, the block heuristic of
``boilerplate`` for plain text) → ``mentions`` (listed entities through the
matching index, places, programme terms, each with its span and the speaker
the sentence attributes it to) → ``store`` (one transaction per article:
content hash, near-duplicate signature, mentions, links to duplicates and
related reports) → ``evidence`` (articles as adverse-media evidence for a
screened party; never a list hit).
"""
