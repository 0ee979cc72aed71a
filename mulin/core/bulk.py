"""Writing many rows at once for jobs that act on thousands of records (escalation of a
district's overdue requests): COPY on PostgreSQL, `bulk_create` elsewhere.

Rows are plain dicts of attname → value, so no model instance is built per row; a field a row
leaves out takes its default. This skips `save()` and signals, like `bulk_create` does.
"""

from __future__ import annotations

import enum
import json

from django.db import connection, models
from django.utils import timezone


def insert(model: type[models.Model], rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert `rows` into `model`'s table. With `ids`, primary keys are drawn from the table's
    sequence first (PostgreSQL) or read back (elsewhere) and returned in row order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        made = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return [obj.pk for obj in made] if ids else []
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        keys: list[int] = []
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, len(rows)],
            )
            keys = [row[0] for row in cursor.fetchall()]
            rows = [{**row, "id": key} for row, key in zip(rows, keys, strict=True)]
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and not ids)]
        now = timezone.now()
        defaults = {
            f.attname: now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in fields
        }
        json_fields = {f.attname: f.encoder for f in fields if isinstance(f, models.JSONField)}
        names = [f.attname for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for name in names:
                    value = row.get(name, defaults[name])
                    if name in json_fields:
                        value = json.dumps(value, cls=json_fields[name])
                    elif isinstance(value, enum.Enum):  # choices: their value, not their name
                        value = value.value
                    values.append(value)
                copy.write_row(values)
    return keys
