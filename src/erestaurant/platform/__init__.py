"""Plumbing shared by every service: settings, database, outbox, relay, inbox, broker, web."""
