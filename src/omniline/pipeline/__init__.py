"""The one road every inbound message takes, whatever channel it came from."""
