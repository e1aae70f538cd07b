"""Customers, their identities on every channel, and merging two records of one person."""
