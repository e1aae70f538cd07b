"""The wallboard pages."""
