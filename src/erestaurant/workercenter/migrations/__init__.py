"""Schema revisions (Alembic); see erestaurant.platform.migrations."""
