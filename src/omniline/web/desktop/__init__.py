"""The desktop pages."""
