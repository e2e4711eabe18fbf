"""Alembic's environment and template, shared by every service's migrations."""
