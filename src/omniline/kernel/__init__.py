"""The kernel: ids, clock, domain events and errors. It imports nothing else of omniline."""
