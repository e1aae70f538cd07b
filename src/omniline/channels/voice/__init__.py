"""The `voice` channel: calls as conversations of call events, from Twilio webhooks or a PBX (CTI)."""
