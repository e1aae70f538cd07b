"""Authentication, the one access funnel (tenant scoping and roles) and the audit log."""
