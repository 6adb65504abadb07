"""dbt-duckdb plugin: gives every DuckDB session the PII salt without writing it in any SQL text.

The package hashes `pii_hashed_columns` as md5(salt || value) and reads the salt in SQL with
``getvariable('product_analytics_pii_salt')``. This plugin sets that DuckDB variable from the
environment variable ``PRODUCT_ANALYTICS_PII_SALT`` on each connection and cursor dbt opens,
through a bound parameter: the salt never appears in view definitions, compiled SQL,
``target/`` artifacts or dbt's logs (dbt does not log what plugins execute).

Load it from the DuckDB output of ``profiles.yml``::

    plugins:
      - module: product_analytics.duckdb_plugin

A host project that installs the package also needs this module importable, e.g.
``module_paths: [dbt_packages/product_analytics/src]`` in the same output.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

#: The environment variable holding the salt.
SALT_ENVIRONMENT_VARIABLE = "PRODUCT_ANALYTICS_PII_SALT"
#: The DuckDB session variable the package's SQL reads (macros/staging/pii.sql).
SALT_SESSION_VARIABLE = "product_analytics_pii_salt"


def set_session_salt(connection: Any) -> None:
    """Set the salt variable on a DuckDB connection or cursor when the environment has a salt.

    ``connection`` is a ``duckdb.DuckDBPyConnection`` (a cursor is one too: each has its own
    session variables). Without the environment variable (or with it empty) nothing is set,
    and the package hashes unsalted, with a warning at the start of the run.
    """
    salt = os.environ.get(SALT_ENVIRONMENT_VARIABLE, "")
    if salt:
        connection.execute(f"set variable {SALT_SESSION_VARIABLE} = ?", [salt])


class Plugin(BasePlugin):
    """Sets the PII salt on the connection dbt-duckdb opens and on every cursor it derives."""

    def configure_connection(self, conn: Any) -> None:
        """Called once per DuckDB connection dbt-duckdb opens."""
        set_session_salt(conn)

    def configure_cursor(self, cursor: Any) -> None:
        """Called for each cursor (one per dbt thread), which does not share the connection's variables."""
        set_session_salt(cursor)
