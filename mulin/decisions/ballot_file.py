"""The ballot file: parse and validate it into the electorate `tally` counts (issue 4).

UTF-8 CSV (a BOM is accepted) with at least the columns `unit_code,area,area_source,owner_key,
choice` — extra columns are allowed and ignored — and one row per unit. `area` is a decimal in m²,
greater than 0, with at most two decimal places (read with `Decimal`, never float);
`area_source` is `register`, `survey` or `contract`. Rows sharing an `owner_key` are one owner:
their areas add up and they must carry the same choice. `choice` for a motion is `yes`, `no`,
`abstain` or `同意`, `反对`, `弃权` (case-insensitive, surrounding spaces ignored), or empty for
"did not vote"; for an election it is the `;`-separated candidate keys approved, `abstain`
(approved nobody) or empty — approving more candidates than there are seats is a void ballot.

The file is read row by row from a binary stream, so a file of 200,000 rows is never held whole;
only one entry per unit code and per owner is kept. Every problem is collected, each with its
line number, and reported together in `BallotFileError`.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.utils.translation import gettext as _

from .tally import ABSTAIN, NO, VOID, YES, Owner

COLUMNS = ("unit_code", "area", "area_source", "owner_key", "choice")
AREA_SOURCES = frozenset({"register", "survey", "contract"})
MOTION_CHOICES = {
    "yes": YES,
    "no": NO,
    "abstain": ABSTAIN,
    "同意": YES,
    "反对": NO,
    "弃权": ABSTAIN,
}
ELECTION_ABSTAIN = frozenset({"abstain", "弃权"})
AREA = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
MAX_PROBLEMS = 1000  # a file wrong on every row says so without a million-line report


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(problem)s") % {"line": self.line, "problem": self.message}


class BallotFileError(ValueError):
    """The file is not a valid ballot file; `problems` lists every problem found, by line."""

    def __init__(self, problems: Sequence[Problem], more: int = 0):
        self.problems = list(problems)
        self.more = more  # problems found beyond MAX_PROBLEMS, not listed
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Electorate:
    owners: list[Owner]
    candidates: list[str] = field(default_factory=list)  # election keys, first appearance order
    units: int = 0


def _lines(stream: BinaryIO, problem, bad: set[int]) -> Iterator[str]:
    """The stream's lines as text, decoded one by one so a bad byte is reported on its line (and
    the line's number added to `bad`: its row is not checked further)."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            problem(number, _("the file is not UTF-8 text"))
            bad.add(number)
            yield raw.decode("utf-8", errors="replace")


def parse_area(text: str) -> tuple[Decimal | None, str]:
    """(area, "") for a valid area, (None, the problem) otherwise."""
    if not AREA.fullmatch(text):
        return None, _("area %(area)r is not a number of square metres above 0, such as 88.50") % {
            "area": text
        }
    if "." in text and len(text.split(".", 1)[1]) > 2:
        return None, _("area %(area)s has more than 2 decimal places") % {"area": text}
    area = Decimal(text)
    if area <= 0:
        return None, _("area %(area)s is not greater than 0") % {"area": text}
    return area, ""


def parse_motion_choice(text: str) -> tuple[str | None, str]:
    """(choice or None for did not vote, "") or (None, the problem)."""
    text = text.strip()
    if not text:
        return None, ""
    choice = MOTION_CHOICES.get(text.casefold())
    if choice is None:
        return None, _(
            "unknown choice %(choice)r (yes, no, abstain, 同意, 反对, 弃权 or empty)"
        ) % {"choice": text}
    return choice, ""


def parse_election_choice(text: str, seats: int) -> str | frozenset[str] | None:
    """The approved keys, VOID when more than `seats`, or None for did not vote."""
    text = text.strip()
    if not text:
        return None
    if text.casefold() in ELECTION_ABSTAIN:
        return frozenset()
    keys = frozenset(k for k in (part.strip() for part in text.split(";")) if k)
    return VOID if len(keys) > seats else keys


def _shown(choice) -> str:
    if isinstance(choice, frozenset):
        return ";".join(sorted(choice)) or "abstain"
    return "" if choice is None else str(choice)


def read_ballot_file(
    stream: BinaryIO, *, election: bool = False, seats: int = 0, candidates: Iterable[str] = ()
) -> Electorate:
    """Parse a ballot file from a binary stream into its electorate (one `Owner` per owner key,
    in order of first appearance). Raises `BallotFileError` with every problem found."""
    problems: list[Problem] = []
    more = 0

    def problem(line: int, message: str) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(line, message))
        else:
            more += 1

    bad: set[int] = set()
    reader = csv.reader(_lines(stream, problem, bad))
    header = None
    for header in reader:
        if any(cell.strip() for cell in header):
            break
    else:
        header = None
    if header is None:
        raise BallotFileError([*problems, Problem(1, _("the file is empty"))])
    header_line = reader.line_num
    names = [cell.strip().casefold() for cell in header]
    missing = [c for c in COLUMNS if c not in names]
    for column in missing:
        problem(header_line, _("missing column %(column)s") % {"column": column})
    if missing:
        raise BallotFileError(problems, more)
    where = [names.index(c) for c in COLUMNS]
    width = max(where) + 1

    units: dict[str, int] = {}  # unit code → line
    owners: dict[str, list] = {}  # owner key → [area, choice, first line]
    seen: dict[str, None] = dict.fromkeys(candidates)
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem(line + 1, _("unreadable CSV: %(error)s") % {"error": exc})
            break
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if bad and any(n in bad for n in range(start, line + 1)):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        unit, area_text, source, owner_key, choice_text = (row[i].strip() for i in where)
        if not unit:
            problem(start, _("unit_code is empty"))
        elif unit in units:
            problem(
                start,
                _("unit %(unit)s appears twice (first on line %(first)d)")
                % {"unit": unit, "first": units[unit]},
            )
        else:
            units[unit] = start
        area, message = parse_area(area_text)
        if message:
            problem(start, message)
        if source.casefold() not in AREA_SOURCES:
            problem(
                start,
                _("unknown area_source %(source)r (register, survey or contract)")
                % {"source": source},
            )
        if election:
            choice = parse_election_choice(choice_text, seats)
            if isinstance(choice, frozenset):
                seen.update(dict.fromkeys(sorted(choice)))
            elif choice == VOID:
                keys = (k.strip() for k in choice_text.split(";"))
                seen.update(dict.fromkeys(sorted(k for k in keys if k)))
        else:
            choice, message = parse_motion_choice(choice_text)
            if message:
                problem(start, message)
                choice = ""  # marks a bad choice: not compared with the owner's other rows
        if not owner_key:
            problem(start, _("owner_key is empty"))
            continue
        entry = owners.get(owner_key)
        if entry is None:
            owners[owner_key] = [area or Decimal(0), choice, start]
            continue
        if area is not None:
            entry[0] += area
        if choice != "" and entry[1] != "" and choice != entry[1]:
            problem(
                start,
                _("owner %(owner)s chose %(choice)r here but %(first)r on line %(line)d")
                % {
                    "owner": owner_key,
                    "choice": _shown(choice),
                    "first": _shown(entry[1]),
                    "line": entry[2],
                },
            )
    if problems or more:
        raise BallotFileError(problems, more)
    return Electorate(
        owners=[Owner(key, area, choice) for key, (area, choice, _line) in owners.items()],
        candidates=list(seen),
        units=len(units),
    )
