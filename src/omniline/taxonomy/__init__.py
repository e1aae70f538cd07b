"""The per-tenant taxonomy of customer problems (filled in by the routing issue)."""
