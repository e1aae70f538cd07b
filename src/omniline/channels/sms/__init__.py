"""The `sms` channel: a Twilio-compatible SMS number (inbound webhook, status callbacks, REST sends)."""
