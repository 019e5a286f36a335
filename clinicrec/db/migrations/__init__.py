"""The Alembic migrations (``env.py``, ``versions/``), run by ``clinicrec.db.migrate``.

``HEAD`` is the newest revision in ``versions/``: start-up compares the database's stamp with it without
loading Alembic. Add a migration, set ``HEAD`` to its revision (tests/db/test_migrations.py checks).
"""

HEAD = "0023"
