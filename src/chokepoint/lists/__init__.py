"""Watchlists: parsers for the published formats and the versioned store."""
