"""`mulin recount` of a 200,000-row ballot file (≤ 5 s, ≤ 300 MB peak RSS) and the tally of a
10,000-owner compound (≤ 200 ms), issue 4.

The file is generated in a temporary directory: 200,000 units, a tenth of the owners holding
two to four units, the developer holding 2,000 unsold ones, about 80 % of the owners voting.
The recount runs as its own process through the console script (as an owner would run it); its
peak RSS is that child's own, read from `os.wait4`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from .common import ROOT, Result, percentile, timed

ROWS = 200_000
TALLY_OWNERS = 10_000
RECOUNT_SECONDS = 5.0
RECOUNT_PEAK_MB = 300.0
TALLY_MS = 200.0
CHOICES = ["yes"] * 6 + ["no"] * 2 + ["abstain", "同意", "反对", ""] + [""] * 2


def write_ballot_file(path: Path, rows: int, seed: int = 4) -> int:
    """A ballot file of `rows` units; returns the number of owners in it."""
    rng = random.Random(seed)
    owner, left, choice = 0, 0, ""
    owners = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("unit_code,area,area_source,owner_key,choice\n")
        for i in range(rows):
            building, rest = divmod(i, 600)
            unit = f"{building + 1}-{rest // 100 + 1}-{rest % 100 + 101}"
            area = f"{rng.randint(4000, 16000) / 100:.2f}"
            source = rng.choice(("register", "register", "register", "survey", "contract"))
            if i < 2000:
                key, vote = "developer", "no"
            else:
                if left == 0:
                    owner += 1
                    owners += 1
                    left = rng.choice((1,) * 9 + (rng.randint(2, 4),))
                    choice = rng.choice(CHOICES)
                key, vote = f"o{owner}", choice
                left -= 1
            out.write(f"{unit},{area},{source},{key},{vote}\n")
    return owners + 1


def recount_process(path: Path, workdir: Path) -> dict:
    mulin = Path(sys.executable).with_name("mulin")
    command = [str(mulin), "recount", str(path), "--kind", "ordinary"]
    with open(workdir / "out.json", "wb") as out, open(workdir / "err.txt", "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    stdout = (workdir / "out.json").read_text()
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "exit": child.returncode,
        "result": json.loads(stdout) if child.returncode == 0 and stdout else None,
        "stderr": (workdir / "err.txt").read_text()[-2000:],
    }


def electorate(owners: int, seed: int = 10):
    from mulin.decisions.tally import Owner

    rng = random.Random(seed)
    choices = ["yes"] * 6 + ["no"] * 2 + ["abstain"] + [None] * 2
    return [
        Owner(f"o{i}", Decimal(rng.randint(4000, 16000)) / 100, rng.choice(choices))
        for i in range(owners)
    ]


def run(rows: int = ROWS, owners: int = TALLY_OWNERS, repeat: int = 20) -> list[Result]:
    try:
        from mulin.decisions import tally
        from mulin.decisions.ballot_file import read_ballot_file  # noqa: F401
    except ImportError:
        return [Result("recount", "recount not available yet", "", None)]
    results = []
    with tempfile.TemporaryDirectory(prefix="mulin-recount-") as tmp:
        workdir = Path(tmp)
        path = workdir / "ballots.csv"
        file_owners = write_ballot_file(path, rows)
        figures = recount_process(path, workdir)
        figures.update(rows=rows, owners=file_owners, bytes=path.stat().st_size)
        ok = (
            figures["exit"] == 0
            and figures["seconds"] <= RECOUNT_SECONDS
            and figures["peak_rss_mb"] <= RECOUNT_PEAK_MB
        )
        value = (
            f"{figures['seconds']:.1f} s, peak RSS {figures['peak_rss_mb']:.0f} MB "
            f"({file_owners:,} owners, {figures['bytes'] / 1e6:.1f} MB)"
            if figures["exit"] == 0
            else f"exit {figures['exit']}"
        )
        results.append(
            Result(
                f"mulin recount ({rows:,} rows)",
                value,
                f"≤ {RECOUNT_SECONDS:g} s, ≤ {RECOUNT_PEAK_MB:g} MB",
                ok,
                figures,
            )
        )
    voters = electorate(owners)
    for name, func in (
        ("motion tally", lambda: tally.motion_tally(voters, kind="ordinary")),
        (
            "motion tally, silent rule",
            lambda: tally.motion_tally(voters, silent_with_majority=True),
        ),
    ):
        wall, cpu = timed(func, repeat=repeat, warmup=2)
        p95 = percentile(wall, 95)
        results.append(
            Result(
                f"{name} ({owners:,} owners)",
                f"p95 {p95:.0f} ms (cpu p95 {percentile(cpu, 95):.0f} ms)",
                f"≤ {TALLY_MS:g} ms",
                p95 <= TALLY_MS,
                {"p95_ms": round(p95, 1), "max_ms": round(max(wall), 1), "repeat": repeat},
            )
        )
    rng = random.Random(11)
    ballots = [
        tally.Owner(o.key, o.area, o.choice and frozenset(rng.sample("abcdefghi", 7)))
        for o in voters
    ]
    wall, _cpu = timed(
        lambda: tally.election_tally(ballots, candidates=list("abcdefghi"), seats=7, alternates=2),
        repeat=repeat,
        warmup=2,
    )
    p95 = percentile(wall, 95)
    results.append(
        Result(
            f"election tally ({owners:,} owners, 9 candidates, 7 seats)",
            f"p95 {p95:.0f} ms",
            f"≤ {TALLY_MS:g} ms",
            p95 <= TALLY_MS,
            {"p95_ms": round(p95, 1), "max_ms": round(max(wall), 1), "repeat": repeat},
        )
    )
    return results


if __name__ == "__main__":
    from .common import setup_django
    from .run import print_table

    setup_django()
    print_table(run())
