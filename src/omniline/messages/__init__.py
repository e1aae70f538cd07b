"""Messages: normalised inbound/outbound utterances and their stored form."""
