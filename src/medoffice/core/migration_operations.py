"""Migration operations shared by the apps' migrations (kept small and stable: migrations that
import them run again on every new database)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class AlterFieldOnPostgres(migrations.AlterField):
    """An AlterField whose table change runs on PostgreSQL only; the migration state changes
    everywhere. For changes SQLite could only make by rebuilding the table (dropping a foreign
    key's inline REFERENCES) where leaving its table as it is costs nothing."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
