"""The tally against a plain reference written from DESIGN §7, and the law's exact boundaries.

The reference counts owners with integers and areas with `Fraction`, and writes every threshold
out as a cross-multiplied integer comparison: no floats, no shared helper with `tally`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mulin.decisions import tally
from mulin.decisions.tally import ABSTAIN, NO, VOID, YES, Owner

# ---------------------------------------------------------------- the reference implementation


def ref_motion(owners: list[Owner], kind: str, silent_rule: bool = False) -> dict:
    def count(pred):
        chosen = [o for o in owners if pred(o)]
        return sum((Fraction(o.area) for o in chosen), Fraction(0)), len(chosen)

    total_a, total_n = count(lambda o: True)
    yes_a, yes_n = count(lambda o: o.choice == YES)
    no_a, no_n = count(lambda o: o.choice == NO)
    ab_a, ab_n = count(lambda o: o.choice == ABSTAIN)
    silent_a, silent_n = count(lambda o: o.choice is None)
    side = ""
    if silent_rule and silent_n:
        if yes_n > no_n or (yes_n == no_n and yes_a > no_a):
            yes_a, yes_n, side = yes_a + silent_a, yes_n + silent_n, YES
        elif yes_n < no_n or (yes_n == no_n and yes_a < no_a):
            no_a, no_n, side = no_a + silent_a, no_n + silent_n, NO
    part_a, part_n = yes_a + no_a + ab_a, yes_n + no_n + ab_n
    quorum = total_n > 0 and 3 * part_a >= 2 * total_a and 3 * part_n >= 2 * total_n
    if kind == "ordinary":
        passed = quorum and part_n > 0 and 2 * yes_a > part_a and 2 * yes_n > part_n
    elif kind == "special":
        passed = quorum and part_n > 0 and 4 * yes_a >= 3 * part_a and 4 * yes_n >= 3 * part_n
    else:
        passed = False
    return {
        "total": (total_a, total_n),
        "participating": (part_a, part_n),
        "yes": (yes_a, yes_n),
        "no": (no_a, no_n),
        "abstain": (ab_a, ab_n),
        "quorum_met": quorum,
        "passed": passed,
        "side": side,
    }


def ref_election(owners: list[Owner], candidates: list[str], seats: int, alternates: int) -> dict:
    voters = [o for o in owners if o.choice is not None]
    total_a = sum((Fraction(o.area) for o in owners), Fraction(0))
    part_a = sum((Fraction(o.area) for o in voters), Fraction(0))
    total_n, part_n = len(owners), len(voters)
    quorum = total_n > 0 and 3 * part_a >= 2 * total_a and 3 * part_n >= 2 * total_n
    score = {}
    for key in candidates:
        approving = [o for o in voters if o.choice != VOID and key in o.choice]
        score[key] = (len(approving), sum((Fraction(o.area) for o in approving), Fraction(0)))
    qualified = {
        k: s for k, s in score.items() if quorum and 2 * s[0] > part_n and 2 * s[1] > part_a
    }
    # A qualified candidate's place: how many qualified are strictly better, and how many equal.
    better = {k: sum(1 for s in qualified.values() if s > qualified[k]) for k in qualified}
    equal = {k: sum(1 for s in qualified.values() if s == qualified[k]) for k in qualified}
    seat_tie = {k for k in qualified if better[k] < seats < better[k] + equal[k]}
    elected = {k for k in qualified if better[k] + equal[k] <= seats}
    limit = seats + alternates
    if seat_tie:
        alternate, alt_tie = set(), set()
    else:
        rest = [k for k in qualified if better[k] >= seats]
        alternate = {k for k in rest if better[k] + equal[k] <= limit}
        alt_tie = {k for k in rest if better[k] < limit < better[k] + equal[k]}
    return {
        "quorum_met": quorum,
        "participating": (part_a, part_n),
        "void": sum(1 for o in voters if o.choice == VOID),
        "score": score,
        "qualified": set(qualified),
        "elected": elected,
        "alternates": alternate,
        "ties": seat_tie | alt_tie,
    }


def share(s: tally.Share) -> tuple[Fraction, int]:
    return Fraction(s.area), s.owners


def rank(keys, score) -> list[str]:
    return sorted(keys, key=lambda k: (-score[k][0], -score[k][1], k))


# ---------------------------------------------------------------- random electorates

# Few distinct areas and few owners, so exact 2/3, 1/2 and 3/4 splits happen often.
AREAS = st.one_of(
    st.sampled_from([Decimal("100"), Decimal("50"), Decimal("200")]),
    st.integers(1, 20_000_00).map(lambda cents: Decimal(cents) / 100),
)


def electorates(choices, areas=AREAS):
    return st.lists(st.tuples(areas, choices), min_size=1, max_size=16).map(
        lambda rows: [Owner(f"o{i}", area, choice) for i, (area, choice) in enumerate(rows)]
    )


MOTION_CHOICE = st.sampled_from([YES, YES, NO, ABSTAIN, None])


@settings(max_examples=400, deadline=None)
@given(
    electorate=electorates(MOTION_CHOICE),
    kind=st.sampled_from(tally.KINDS),
    silent=st.booleans(),
)
def test_motion_tally_matches_the_reference(electorate, kind, silent):
    result = tally.motion_tally(electorate, kind=kind, silent_with_majority=silent)
    ref = ref_motion(electorate, kind, silent)
    for name in ("total", "participating", "yes", "no", "abstain"):
        assert share(getattr(result, name)) == ref[name], name
    assert result.quorum_met == ref["quorum_met"]
    assert result.passed == ref["passed"]
    assert result.silent_side == ref["side"]


CANDIDATES = ["a", "b", "c", "d", "e", "f"]
# Mostly equal areas, so that candidates tie on owners and area alike.
ELECTION_AREAS = st.one_of(st.just(Decimal("100")), st.just(Decimal("100")), AREAS)


@st.composite
def election_cases(draw):
    seats = draw(st.integers(1, 4))
    alternates = draw(st.integers(0, 3))
    # Full ballots over a few more candidates than seats, so that more candidates qualify than
    # there are places.
    running = st.sampled_from(CANDIDATES[: draw(st.integers(seats, min(seats + 2, 6)))])
    full = st.frozensets(running, min_size=seats, max_size=seats)
    ballot = st.one_of(
        full,
        st.frozensets(running, max_size=seats),
        st.none(),
        st.just(VOID),
    )
    # Few distinct ballots make ties across the boundaries common.
    ballots = draw(st.lists(ballot, min_size=1, max_size=6))
    # Owners share a few ballots, or each fills in a full ballot of their own.
    choice = st.one_of(st.sampled_from(ballots), full) if draw(st.booleans()) else full
    areas = st.just(Decimal("100")) if draw(st.booleans()) else ELECTION_AREAS
    electorate = draw(electorates(choice, areas))
    return electorate, seats, alternates


@settings(max_examples=400, deadline=None)
@given(case=election_cases())
def test_election_tally_matches_the_reference(case):
    electorate, seats, alternates = case
    result = tally.election_tally(
        electorate, candidates=CANDIDATES, seats=seats, alternates=alternates
    )
    ref = ref_election(electorate, CANDIDATES, seats, alternates)
    assert result.quorum_met == ref["quorum_met"]
    assert share(result.participating) == ref["participating"]
    assert result.void.owners == ref["void"]
    assert {c.key: share(c.approvals)[::-1] for c in result.candidates} == ref["score"]
    assert {c.key for c in result.candidates if c.qualified} == ref["qualified"]
    assert [c.key for c in result.candidates] == rank(CANDIDATES, ref["score"])
    assert result.elected == rank(ref["elected"], ref["score"])
    assert result.alternates == rank(ref["alternates"], ref["score"])
    assert {k for group in result.ties for k in group} == ref["ties"]
    assert len(result.elected) <= seats and len(result.alternates) <= alternates


# ---------------------------------------------------------------- the boundaries, written out


def owners(*rows) -> list[Owner]:
    return [Owner(f"o{i}", Decimal(area), choice) for i, (area, choice) in enumerate(rows)]


def test_quorum_exactly_two_thirds_is_met():
    result = tally.motion_tally(owners(("100", YES), ("100", YES), ("100", None)))
    assert result.quorum_met and result.passed
    assert result.participating.of(result.total) == (Fraction(2, 3), Fraction(2, 3))


def test_quorum_just_under_two_thirds_of_the_area_fails():
    result = tally.motion_tally(owners(("100", YES), ("100", YES), ("100.01", None)))
    assert not result.quorum_met and not result.passed


def test_quorum_needs_two_thirds_of_the_owners_too():
    # 7/8 of the area but only 1/2 of the owners took part.
    result = tally.motion_tally(owners(("300", YES), ("50", NO), ("25", None), ("25", None)))
    assert not result.quorum_met


def test_ordinary_exactly_half_fails():
    result = tally.motion_tally(owners(("100", YES), ("100", YES), ("100", NO), ("100", NO)))
    assert result.quorum_met and not result.passed


def test_ordinary_needs_more_than_half_by_area_and_by_owners():
    # 2 of 3 owners say yes, but their area is exactly half.
    by_owners = tally.motion_tally(owners(("50", YES), ("50", YES), ("100", NO)))
    assert not by_owners.passed
    just_over = tally.motion_tally(owners(("50", YES), ("50.01", YES), ("100", NO)))
    assert just_over.passed


def test_special_exactly_three_quarters_passes():
    rows = [("100", YES)] * 3 + [("100", NO)]
    result = tally.motion_tally(owners(*rows), kind="special")
    assert result.quorum_met and result.passed
    under = tally.motion_tally(owners(*rows[:3], ("100.01", NO)), kind="special")
    assert not under.passed


def test_abstentions_participate():
    # Abstentions make the quorum and count in the denominator of the majority.
    result = tally.motion_tally(owners(("100", YES), ("100", ABSTAIN), ("100", None)))
    assert result.quorum_met
    assert share(result.participating) == (Fraction(200), 2)
    assert not result.passed  # yes is exactly half of the participating
    assert share(result.abstain) == (Fraction(100), 1)


def test_consultation_never_passes_and_reports_support():
    result = tally.motion_tally(
        owners(("100", YES), ("100", YES), ("100", NO)), kind="consultation"
    )
    assert not result.passed
    assert tally.support_rates(result) == (Fraction(2, 3), Fraction(2, 3))


def test_silent_owners_counted_with_the_majority_only_when_the_rule_is_on():
    rows = owners(("100", YES), ("100", YES), ("100", NO), ("100", None), ("100", None))
    off = tally.motion_tally(rows)
    assert not off.quorum_met and not off.passed and "silent" not in off.as_json()
    on = tally.motion_tally(rows, silent_with_majority=True)
    assert on.quorum_met and on.passed
    assert on.as_json()["silent_owners_counted_with"] == YES
    assert on.as_json()["silent"] == {"area": "200.00", "owners": 2}
    assert on.as_json()["yes"] == {"area": "400.00", "owners": 4}


def test_silent_owners_join_no_side_on_an_even_split():
    rows = owners(("100", YES), ("100", NO), ("100", None))
    result = tally.motion_tally(rows, silent_with_majority=True)
    assert result.silent_side == "" and result.participating.owners == 2


def test_void_ballot_participates_and_approves_nobody():
    rows = owners(("100", frozenset({"x"})), ("100", VOID), ("100", frozenset({"x"})))
    result = tally.election_tally(rows, candidates=["x"], seats=1)
    assert share(result.void) == (Fraction(100), 1)
    assert share(result.participating) == (Fraction(300), 3)
    assert result.elected == ["x"]
    half = tally.election_tally(rows[:2], candidates=["x"], seats=1)
    assert half.elected == [] and not half.candidates[0].qualified


def test_tie_at_the_seat_boundary_is_reported_not_broken():
    # x, y and z each have 2 of 3 owners and 200 m²: three tied for two seats.
    rows = owners(
        ("100", frozenset({"x", "y"})),
        ("100", frozenset({"x", "z"})),
        ("100", frozenset({"y", "z"})),
    )
    result = tally.election_tally(rows, candidates=["x", "y", "z"], seats=2, alternates=1)
    assert all(c.qualified for c in result.candidates)
    assert result.elected == [] and result.alternates == []
    assert result.ties == [["x", "y", "z"]]


def test_tie_at_the_alternate_boundary_is_reported_not_broken():
    # u, v, w: 6 of 10 owners and 640 m²; x, y: 6 owners and 600 m², tied for one alternate.
    rows = [("110", frozenset("uvw"))] * 4
    rows += [("100", frozenset({"x", "y", extra})) for extra in "uvwuvw"]
    result = tally.election_tally(owners(*rows), candidates=list("uvwxy"), seats=3, alternates=1)
    assert all(c.qualified for c in result.candidates)
    assert result.elected == ["u", "v", "w"] and result.alternates == []
    assert result.ties == [["x", "y"]]


def test_area_breaks_an_owner_count_tie():
    rows = owners(
        ("100", frozenset({"x", "y"})),
        ("100", frozenset({"x", "z"})),
        ("101", frozenset({"y", "z"})),
        ("100", frozenset({"x", "y"})),
    )
    result = tally.election_tally(rows, candidates=["x", "y", "z"], seats=2)
    assert result.elected == ["y", "x"] and result.ties == []
    assert [c.key for c in result.candidates] == ["y", "x", "z"]


def test_unqualified_candidates_are_never_placed():
    rows = owners(("100", frozenset({"x"})), ("100", frozenset()), ("100", frozenset({"y"})))
    result = tally.election_tally(rows, candidates=["x", "y"], seats=2, alternates=1)
    assert result.elected == [] and result.alternates == [] and result.ties == []


@pytest.mark.parametrize(
    "rows",
    [
        [Owner("a", Decimal("1")), Owner("a", Decimal("2"))],
        [Owner("a", Decimal("0"))],
    ],
)
def test_a_malformed_electorate_is_refused(rows):
    with pytest.raises(ValueError):
        tally.motion_tally(rows)
