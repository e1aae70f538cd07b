"""The `omniline` command line: one module per command group, each command calls a service."""
