"""Ongoing monitoring: the party base a business keeps, and the delta
re-screening of it when a list version changes."""
