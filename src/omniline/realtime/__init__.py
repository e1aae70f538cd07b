"""Fan-out of domain events to agents' WebSockets and to background workers."""
