"""Conversations: one thread on one channel (a chat session, an e-mail thread, a call, a visit)."""
