"""The scan history store (``--history URL``): every scan and its listed results, kept in
SQLite (the default, ``sqlite:///.auditor/history.db``) or PostgreSQL through SQLAlchemy Core;
each result's lifecycle (first/last seen, age, reopened, overdue against ``sla_days``) read
back from it; and the ``auditor history`` views (:mod:`.views`, with pandas)."""

DEFAULT_URL = "sqlite:///.auditor/history.db"
"""``--history`` with no value: a SQLite file in the working directory's ``.auditor`` folder.
Kept here, where importing it costs no SQLAlchemy import (the CLI's help names it)."""
