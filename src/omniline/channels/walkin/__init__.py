"""The `walkin` channel: visits to the company's offices, recorded by branch staff (the offline half)."""
