"""The `webchat` channel: the embeddable widget, its visitor WebSocket and live agent replies."""
