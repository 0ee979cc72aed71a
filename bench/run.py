"""Run the benchmarks against DATABASE_URL, print a table, write bench/results/latest.json.

    scripts/bench [--seed] [--compounds 500] [--units-per-compound 400] [--repeat 50]
                  [--export-units 80000]
                  [--only seed,pages,import,export,tickets,recount,decisions,deliberation]
                  [--requests 1000000] [--overdue-requests 100000] [--seed-requests]
                  [--ballot-workers 60]

An empty database is first given a synthetic district (`mulin seed`); `--seed` adds one even
when the database has data. Targets (issue 2 §9, PostgreSQL, 500 compounds / 200,000 units /
500,000 persons): generation ≤ 10 min; compound overview, building drill-down, unit page and
person search p95 ≤ 100 ms with query counts that do not grow with the data; a 10,000-row xlsx
import ≤ 20 s; a 200,000-person streamed export with peak memory ≤ 300 MB. Issue 3 (`tickets`,
PostgreSQL only): 1,000,000 requests over the district; escalating 100,000 overdue ones ≤ 30 s;
workbench, public board and Open311 list p95 ≤ 100 ms with constant query counts. Issue 4
(`recount`, no database): `mulin recount` of a 200,000-row ballot file ≤ 5 s and ≤ 300 MB; the
tally of a 10,000-owner compound ≤ 200 ms. Issue 4 (`decisions`): `results.compute_tally` of a
10,000-unit compound with every kind of motion ≤ 200 ms; on PostgreSQL, 200 owners each
submitting two ballots at once and 200 submissions racing for one owner: exactly one ballot per
owner and the hash chain intact. Issue 5 (`deliberation`): the public project list, a project's
page, the staff list, the API list, the topic board and the announcement list p95 ≤ 100 ms with
query counts that do not grow with the data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

from .common import (
    EXPORT_PEAK_MB,
    RESULTS,
    ROOT,
    SEED_SECONDS,
    Result,
    ensure_database,
    setup_django,
)

EXPORT_CODE = "bench-export"
EXPORT_UNITS = 80_000  # 2.5 persons a home: 200,000 persons


def seed(args) -> list[Result]:
    from mulin.demo.seed import DISTRICT_CODE, seed_district
    from mulin.places.models import Compound

    seeded = Compound.objects.filter(community__subdistrict__district__code=DISTRICT_CODE)
    previous = RESULTS / "seed.json"
    if seeded.exists() and not args.seed:
        if previous.exists():
            recorded = json.loads(previous.read_text())
            recorded["name"] += " (earlier run)"
            return [Result(**recorded)]
        return [Result("seed district", f"{seeded.count()} compounds seeded earlier", "", None)]
    print(f"Seeding {args.compounds} compounds of {args.units_per_compound} homes …", flush=True)
    stats = seed_district(
        compounds=args.compounds,
        units_per_compound=args.units_per_compound,
        report=lambda line: print("  " + line, flush=True),
    )
    result = Result(
        f"seed district ({stats.compounds} compounds)",
        f"{stats.seconds:.0f} s: {stats.units:,} units, {stats.persons:,} persons",
        f"≤ {SEED_SECONDS:g} s",
        stats.seconds <= SEED_SECONDS,
        {
            "seconds": round(stats.seconds, 1),
            "compounds": stats.compounds,
            "units": stats.units,
            "persons": stats.persons,
            "rows": stats.rows,
            "phases": {k: round(v, 1) for k, v in stats.phases.items()},
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    previous.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    return [result]


def export_compound(units: int) -> list[Result]:
    """The compound of 200,000 persons the export benchmark streams (made once, then kept)."""
    from mulin.demo.seed import seed_compound
    from mulin.places.models import Compound

    if Compound.objects.filter(code=EXPORT_CODE).exists():
        return []
    print(f"Generating {EXPORT_CODE} with {units:,} homes …", flush=True)
    stats = seed_compound(code=EXPORT_CODE, units=units, name="导出测试小区")
    return [
        Result(
            "seed export compound",
            f"{stats.seconds:.0f} s: {stats.units:,} units, {stats.persons:,} persons",
            "",
            None,
            {"seconds": round(stats.seconds, 1), "persons": stats.persons},
        )
    ]


def export_memory() -> list[Result]:
    from django.urls import NoReverseMatch, reverse

    from mulin.people.models import Person

    try:
        reverse("people:registry_export", kwargs={"code": "x", "fmt": "xlsx"})
    except NoReverseMatch:
        return [Result("streamed export", "export not available yet", "", None)]
    persons = Person.objects.filter(compound__code=EXPORT_CODE).count()
    results = []
    for fmt in ("xlsx", "csv"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.export_memory", EXPORT_CODE, fmt],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            results.append(
                Result(f"{fmt} export", "failed", "", False, {"stderr": done.stderr[-2000:]})
            )
            continue
        figures = json.loads(lines[-1])
        figures["persons"] = persons
        ok = figures["status"] == 200 and figures["peak_rss_mb"] <= EXPORT_PEAK_MB
        results.append(
            Result(
                f"{fmt} export ({persons:,} persons)",
                f"peak RSS {figures['peak_rss_mb']:.0f} MB "
                f"(process {figures['rss_before_mb']:.0f} MB before), "
                f"{figures['bytes'] / 1e6:.1f} MB in {figures['seconds']:.0f} s",
                f"peak ≤ {EXPORT_PEAK_MB:g} MB",
                ok,
                figures,
            )
        )
    return results


def print_table(results: list[Result]) -> None:
    width = max(len(r.name) for r in results)
    for r in results:
        mark = {True: "ok  ", False: "FAIL", None: "--  "}[r.ok]
        target = f"  [{r.target}]" if r.target else ""
        print(f"{mark} {r.name:<{width}}  {r.value}{target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="seed even if data exists")
    parser.add_argument("--compounds", type=int, default=500)
    parser.add_argument("--units-per-compound", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--export-units", type=int, default=EXPORT_UNITS, help="homes in the export compound"
    )
    parser.add_argument(
        "--only", default="seed,pages,import,export,tickets,recount,decisions,deliberation"
    )
    parser.add_argument("--requests", type=int, default=1_000_000, help="bench requests")
    parser.add_argument("--overdue-requests", type=int, default=100_000)
    parser.add_argument("--seed-requests", action="store_true", help="add the bench requests again")
    parser.add_argument(
        "--ballot-workers", type=int, default=60, help="threads (connections) racing ballots"
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    ensure_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from mulin.people.models import Person
    from mulin.places.models import Compound, Unit

    call_command("migrate", "--noinput", verbosity=0)
    started = time.monotonic()
    results: list[Result] = []
    if "seed" in only:
        results += seed(args)
    if "export" in only or "pages" in only:
        results += export_compound(args.export_units)
    print(
        f"Database: {connection.vendor} {connection.settings_dict['NAME']} — "
        f"{Compound.objects.count():,} compounds, {Unit.objects.count():,} units, "
        f"{Person.objects.count():,} persons",
        flush=True,
    )
    if "pages" in only:
        from . import pages

        results += pages.run(repeat=args.repeat)
    if "import" in only:
        from . import registry_import

        results += registry_import.run()
    if "export" in only:
        results += export_memory()
    if "tickets" in only:
        from . import tickets

        results += tickets.run(
            repeat=args.repeat,
            total=args.requests,
            overdue=args.overdue_requests,
            again=args.seed_requests,
        )
    if "recount" in only:
        from . import recount

        results += recount.run()
    if "decisions" in only:
        from . import decisions

        results += decisions.run(repeat=args.repeat, workers=args.ballot_workers)
    if "deliberation" in only:
        from . import deliberation

        results += deliberation.run(repeat=args.repeat)
    print()
    print_table(results)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nLoad average during the run: {load} on {os.cpu_count()} CPUs")
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        # Other work on the machine inflates wall-clock figures; the load average says how much.
        "load_average": os.getloadavg(),
        "seconds": round(time.monotonic() - started, 1),
        "results": [r.as_dict() for r in results],
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nWritten to {RESULTS / 'latest.json'}")
    return 1 if any(r.ok is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
