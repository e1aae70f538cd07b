"""The `telegram` channel: a Bot API webhook in, `sendMessage` out, signed `/start` deep links."""
