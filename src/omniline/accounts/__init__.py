"""Tenants (client brands) and users (agents, supervisors, admins)."""
