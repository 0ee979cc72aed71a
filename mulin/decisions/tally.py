"""The tally of owners' decisions: exact, and the same for every channel a vote came through.

The law (DESIGN §7; PRC Civil Code Art. 278, 1259; SPC interpretation on building division
ownership Art. 1, 2, 8, 9):

- Quorum: participating area ≥ 2/3 of the total area **and** participating owners ≥ 2/3 of
  all owners ("以上" includes the bound, Art. 1259).
- Ordinary matters pass iff yes area > 1/2 of the participating area and yes owners > 1/2 of
  the participating owners ("过半数" excludes the bound).
- Special matters (raising maintenance funds, rebuilding, changing the use of common parts) pass
  iff yes area ≥ 3/4 and yes owners ≥ 3/4 of the participating.
- Abstentions participate. A void ballot participates and says yes to nothing.
- Consultations (征求意见) are advisory: support rates only, no threshold.
- Elections: a candidate qualifies with the ordinary majority (by area and by owners, of the
  participating); seats go to the qualified with most approving owners, then most area;
  qualified runners-up become alternates in that order; a tie across a seat or alternate
  boundary is reported, never broken.
- Where a local rule counts silent owners with the majority (e.g. Zhejiang), owners who did not
  vote are added to the side the voters' majority took, and the result says so.

Counting owners happens before this module: the electorate is a list of `Owner`s — one per owner
party, with the sum of its units' areas (one buyer's several units are one owner; the
developer's unsold units are one owner; co-owners of a unit share one vote). Every comparison is
between integers or `Fraction`s, never floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

YES, NO, ABSTAIN, VOID = "yes", "no", "abstain", "void"
CHOICES = frozenset({YES, NO, ABSTAIN})

QUORUM = Fraction(2, 3)
MAJORITY = Fraction(1, 2)
SPECIAL = Fraction(3, 4)

Kind = Literal["ordinary", "special", "consultation"]
KINDS = ("ordinary", "special", "consultation")


@dataclass(frozen=True)
class Owner:
    """One owner party of the electorate and how it voted.

    `choice` for a motion: "yes", "no", "abstain", or None for did not vote. For an election: a
    frozenset of approved candidate keys (empty = abstained), "void" for a spoiled ballot (more
    candidates than seats), or None for did not vote.
    """

    key: str
    area: Decimal
    choice: str | frozenset[str] | None = None

    @property
    def voted(self) -> bool:
        return self.choice is not None


@dataclass(frozen=True)
class Share:
    """An amount of the electorate: area (m², exact) and owners."""

    area: Decimal = Decimal("0")
    owners: int = 0

    def __add__(self, other: Share) -> Share:
        return Share(self.area + other.area, self.owners + other.owners)

    def of(self, whole: Share) -> tuple[Fraction, Fraction]:
        """(area fraction, owners fraction) of `whole`; 0 when the whole is empty."""
        return (
            Fraction(self.area) / Fraction(whole.area) if whole.area else Fraction(0),
            Fraction(self.owners, whole.owners) if whole.owners else Fraction(0),
        )

    def as_json(self) -> dict:
        return {"area": f"{self.area:.2f}", "owners": self.owners}


def _share(owners: Iterable[Owner]) -> Share:
    area, count = Decimal("0"), 0
    for owner in owners:
        area += owner.area
        count += 1
    return Share(area, count)


def _check(electorate: Sequence[Owner]) -> None:
    keys = set()
    for owner in electorate:
        if owner.key in keys:
            raise ValueError(f"owner {owner.key!r} appears twice in the electorate")
        keys.add(owner.key)
        if owner.area <= 0:
            raise ValueError(f"owner {owner.key!r} has no area")


def quorum_met(participating: Share, total: Share) -> bool:
    """Art. 278: both two thirds of the area and two thirds of the owners took part."""
    area, owners = participating.of(total)
    return total.owners > 0 and area >= QUORUM and owners >= QUORUM


def majority(part: Share, participating: Share) -> bool:
    """More than half of the participating area and of the participating owners."""
    area, owners = part.of(participating)
    return participating.owners > 0 and area > MAJORITY and owners > MAJORITY


def three_quarters(part: Share, participating: Share) -> bool:
    """Three quarters or more of the participating area and owners."""
    area, owners = part.of(participating)
    return participating.owners > 0 and area >= SPECIAL and owners >= SPECIAL


@dataclass(frozen=True)
class MotionResult:
    kind: str
    total: Share
    participating: Share
    yes: Share
    no: Share
    abstain: Share
    quorum_met: bool
    passed: bool
    silent_counted: Share = field(default_factory=Share)  # silent owners added to the majority
    silent_side: str = ""  # "yes" or "no" when the silent-owner rule was applied

    def as_json(self) -> dict:
        out = {
            "kind": self.kind,
            "total": self.total.as_json(),
            "participating": self.participating.as_json(),
            "yes": self.yes.as_json(),
            "no": self.no.as_json(),
            "abstain": self.abstain.as_json(),
            "quorum_met": self.quorum_met,
            "passed": self.passed,
        }
        if self.silent_side:
            out["silent_owners_counted_with"] = self.silent_side
            out["silent"] = self.silent_counted.as_json()
        return out


def motion_tally(
    electorate: Sequence[Owner], *, kind: Kind = "ordinary", silent_with_majority: bool = False
) -> MotionResult:
    """Tally one motion over its frozen electorate (every owner party, voted or not).

    With `silent_with_majority` (a per-compound local rule, off by default) owners who did not
    vote are counted as participating on the side the voters' yes/no majority took — by owners,
    then by area; an even split adds them to neither side."""
    if kind not in KINDS:
        raise ValueError(f"unknown motion kind {kind!r}")
    _check(electorate)
    by: dict[str, list[Owner]] = {YES: [], NO: [], ABSTAIN: [], "silent": []}
    for owner in electorate:
        if owner.choice is None:
            by["silent"].append(owner)
        elif owner.choice in CHOICES:
            by[owner.choice].append(owner)
        else:
            raise ValueError(f"owner {owner.key!r} has an unknown choice {owner.choice!r}")
    total = _share(electorate)
    yes, no, abstain = (_share(by[k]) for k in (YES, NO, ABSTAIN))
    return motion_result(
        kind=kind,
        total=total,
        yes=yes,
        no=no,
        abstain=abstain,
        silent_with_majority=silent_with_majority,
    )


def motion_result(
    *,
    kind: Kind,
    total: Share,
    yes: Share,
    no: Share,
    abstain: Share,
    silent_with_majority: bool = False,
) -> MotionResult:
    """The law applied to a motion's shares, however they were added up (owners who did not
    vote are the rest of the total). `motion_tally` and the vote's tally both end here."""
    if kind not in KINDS:
        raise ValueError(f"unknown motion kind {kind!r}")
    voted = yes + no + abstain
    silent = Share(total.area - voted.area, total.owners - voted.owners)
    silent_side = ""
    if silent_with_majority and silent.owners:
        lead = (yes.owners, yes.area) > (no.owners, no.area)
        trail = (yes.owners, yes.area) < (no.owners, no.area)
        if lead:
            yes, silent_side = yes + silent, YES
        elif trail:
            no, silent_side = no + silent, NO
    participating = yes + no + abstain
    met = quorum_met(participating, total)
    if kind == "special":
        passed = met and three_quarters(yes, participating)
    elif kind == "ordinary":
        passed = met and majority(yes, participating)
    else:
        passed = False  # advisory: a consultation is read by its support rates, not passed
    return MotionResult(
        kind=kind,
        total=total,
        participating=participating,
        yes=yes,
        no=no,
        abstain=abstain,
        quorum_met=met,
        passed=passed,
        silent_counted=silent if silent_side else Share(),
        silent_side=silent_side,
    )


@dataclass(frozen=True)
class CandidateResult:
    key: str
    approvals: Share
    qualified: bool

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "area": f"{self.approvals.area:.2f}",
            "owners": self.approvals.owners,
            "qualified": self.qualified,
        }


@dataclass(frozen=True)
class ElectionResult:
    total: Share
    participating: Share
    void: Share
    seats: int
    alternate_seats: int
    quorum_met: bool
    candidates: list[CandidateResult]  # in rank order: most approving owners, then most area
    elected: list[str]
    alternates: list[str]
    ties: list[list[str]]  # groups tied across a seat or alternate boundary, not placed

    def as_json(self) -> dict:
        return {
            "kind": "election",
            "total": self.total.as_json(),
            "participating": self.participating.as_json(),
            "void": self.void.as_json(),
            "quorum_met": self.quorum_met,
            "seats": self.seats,
            "alternate_seats": self.alternate_seats,
            "candidates": [c.as_json() for c in self.candidates],
            "elected": self.elected,
            "alternates": self.alternates,
            "ties": self.ties,
        }


def election_tally(
    electorate: Sequence[Owner],
    *,
    candidates: Sequence[str],
    seats: int,
    alternates: int = 0,
) -> ElectionResult:
    """Tally an owners' committee election over its frozen electorate.

    A ballot approving more candidates than `seats` should arrive as "void"; one approving
    unknown candidates is an error of the caller. Places are filled in rank order; where the
    candidates competing for the last places of a group (seats, then alternates) are tied on
    owners and area and cannot all fit, none of them is placed and the tie is reported — the
    places stay open for a run-off, and later places are not filled over them."""
    if seats < 1 or alternates < 0:
        raise ValueError("an election needs at least one seat and no negative alternates")
    _check(electorate)
    known = list(dict.fromkeys(candidates))
    approvals: dict[str, list[Owner]] = {key: [] for key in known}
    voters, void = [], []
    for owner in electorate:
        if owner.choice is None:
            continue
        voters.append(owner)
        if owner.choice == VOID:
            void.append(owner)
            continue
        if not isinstance(owner.choice, frozenset):
            raise ValueError(f"owner {owner.key!r} has an unknown election choice")
        unknown = owner.choice - approvals.keys()
        if unknown:
            raise ValueError(f"owner {owner.key!r} approves unknown candidates {sorted(unknown)}")
        if len(owner.choice) > seats:
            raise ValueError(f"owner {owner.key!r} approves more than {seats}: a void ballot")
        for key in owner.choice:
            approvals[key].append(owner)
    return election_result(
        total=_share(electorate),
        participating=_share(voters),
        void=_share(void),
        approvals={key: _share(v) for key, v in approvals.items()},
        seats=seats,
        alternates=alternates,
    )


def election_result(
    *,
    total: Share,
    participating: Share,
    void: Share,
    approvals: dict[str, Share],
    seats: int,
    alternates: int = 0,
) -> ElectionResult:
    """The law applied to an election's shares: who qualifies, who is seated, who is an
    alternate, which ties stay open. `election_tally` and the vote's tally both end here."""
    if seats < 1 or alternates < 0:
        raise ValueError("an election needs at least one seat and no negative alternates")
    met = quorum_met(participating, total)
    rows = [
        CandidateResult(key, share, met and majority(share, participating))
        for key, share in approvals.items()
    ]
    rows.sort(key=lambda c: (-c.approvals.owners, -c.approvals.area, c.key))
    qualified = [c for c in rows if c.qualified]
    elected, rest, ties_seats = _fill(qualified, seats)
    alternate_list, _rest, ties_alt = _fill(rest, alternates) if not ties_seats else ([], [], [])
    return ElectionResult(
        total=total,
        participating=participating,
        void=void,
        seats=seats,
        alternate_seats=alternates,
        quorum_met=met,
        candidates=rows,
        elected=elected,
        alternates=alternate_list,
        ties=ties_seats + ties_alt,
    )


def _fill(ranked: list[CandidateResult], places: int) -> tuple[list[str], list, list[list[str]]]:
    """Take up to `places` candidates in rank order; a group tied across the boundary is not
    taken. Returns (taken keys, the ranked rest after the taken, tied groups)."""
    taken: list[str] = []
    i = 0
    while i < len(ranked) and len(taken) < places:
        score = (ranked[i].approvals.owners, ranked[i].approvals.area)
        j = i
        while j < len(ranked) and (ranked[j].approvals.owners, ranked[j].approvals.area) == score:
            j += 1
        group = ranked[i:j]
        if len(taken) + len(group) <= places:
            taken += [c.key for c in group]
            i = j
            continue
        return taken, [], [[c.key for c in group]]
    return taken, ranked[i:], []


def support_rates(result: MotionResult) -> tuple[Fraction, Fraction]:
    """A consultation's support: yes as a share of the participating (area, owners)."""
    return result.yes.of(result.participating)
