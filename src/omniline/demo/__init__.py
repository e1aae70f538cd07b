"""The demo tenant: people, an app channel and customers with histories, loaded idempotently."""
