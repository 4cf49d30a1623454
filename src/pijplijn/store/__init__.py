"""The store: SQLAlchemy models, migrations, and the one place that writes observations."""
