"""Persistence: SQLAlchemy tables, repositories, the unit of work, migrations."""
