"""The `email` channel: SMTP listener and IMAP polling in, SMTP out, MIME parsing for real-world mail."""
