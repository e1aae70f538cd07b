"""The append-only timeline: every interaction of a customer on every channel, as events."""
