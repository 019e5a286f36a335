"""Persistence: SQLAlchemy models, the engine, migrations. ORM objects never leave db/ and services/."""
