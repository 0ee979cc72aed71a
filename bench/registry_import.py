"""A 10,000-row xlsx registry import, timed: validation alone (dry run) and the full import.

The file is made the way an office would make it: a compound's registry exported in the import
format (buildings, units, owners, residents), here from a synthetic compound generated for the
purpose. Everything happens in one transaction that is rolled back, so the database is left as
it was.
"""

from __future__ import annotations

import inspect
import itertools
import os
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from .common import IMPORT_SECONDS, Result, bench_user

ROWS = 10_000
# A compound of this many homes exports a little over 10,000 rows (4.4 rows a home).
SOURCE_UNITS = 2_400


def run(rows: int = ROWS) -> list[Result]:
    try:
        from mulin.people import exports, imports
    except ImportError:
        return [Result("xlsx import", "import not available yet", "", None)]
    if not hasattr(imports, "registry_import") or not hasattr(exports, "registry_export_rows"):
        return [Result("xlsx import", "import not available yet", "", None)]
    from mulin.demo.seed import seed_compound
    from mulin.places.models import Compound

    admin = bench_user("bench-admin", superuser=True)
    results = []
    with transaction.atomic():
        seed_compound(code="bench-import-source", units=SOURCE_UNITS)
        source = Compound.objects.get(code="bench-import-source")
        exported = exports.registry_export_rows(source, full=True)
        path = exports.temporary_xlsx()
        exports.write_registry_xlsx(itertools.islice(exported, rows), path)
        with open(path, "rb") as handle:
            data = handle.read()
        os.unlink(path)
        target = Compound.objects.create(
            community=source.community, code="bench-import", name="导入测试小区"
        )
        accepts_filename = "filename" in inspect.signature(imports.registry_import).parameters
        extra = {"filename": "registry.xlsx"} if accepts_filename else {}
        for dry_run in (True, False):
            started = time.monotonic()
            upload = SimpleUploadedFile("registry.xlsx", data)
            result = imports.registry_import(
                actor=admin, compound=target, file=upload, dry_run=dry_run, **extra
            )
            seconds = time.monotonic() - started
            errors = [str(e) for e in getattr(result, "errors", [])][:5]
            name = "xlsx import, validation only" if dry_run else "xlsx import, validate + write"
            results.append(
                Result(
                    f"{name} ({rows:,} rows)",
                    f"{seconds:.1f} s" + (f", {len(result.errors)} errors" if errors else ""),
                    f"≤ {IMPORT_SECONDS:g} s",
                    seconds <= IMPORT_SECONDS and not errors,
                    {
                        "seconds": round(seconds, 2),
                        "rows": getattr(result, "rows", rows),
                        "bytes": len(data),
                        "errors": errors,
                        "summary": result.summary() if hasattr(result, "summary") else {},
                    },
                )
            )
        transaction.set_rollback(True)
    return results
