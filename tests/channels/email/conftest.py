"""Fixtures of the email tests: a real Dovecot (dovecot.py)."""

from tests.channels.email.dovecot import dovecot

__all__ = ["dovecot"]
