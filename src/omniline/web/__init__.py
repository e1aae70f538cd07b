"""The HTTP edge: error mapping, request limits and shared dependencies of the API routes."""
