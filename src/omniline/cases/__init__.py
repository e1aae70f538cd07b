"""Cases: one customer problem, spanning conversations on any channel."""
