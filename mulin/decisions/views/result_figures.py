"""What a result page shows of a tally: the same figures on the staff tally page, the public
result page, the printed notice and the recount page.

Built from the tally's JSON (`results.compute_tally` / `vote.tally`, or what `mulin recount`
prints), never from floats: every share is a `Fraction` of two exact amounts, compared with the
law's bounds (Civil Code Art. 278: quorum ≥ 2/3, ordinary > 1/2, special ≥ 3/4) and shown as a
fraction and as a percentage with two decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import rules, tally
from ..models import Channel, MotionKind

AREA_PLACES = Decimal("0.01")
# A reduced fraction is shown next to the quotient only while it stays this small.
READABLE_DENOMINATOR = 1000


# --- exact numbers as text ------------------------------------------------------------------


def fraction_text(value: Fraction) -> str:
    """3/4 → "3/4", 1 → "1", 0 → "0"."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def percent_text(value: Fraction) -> str:
    """A share as a percentage with two decimals, rounded half up exactly: 2/3 → "66.67%"."""
    hundredths = math.floor(value * 10000 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def area_text(area: Decimal) -> str:
    return f"{area.quantize(AREA_PLACES):.2f}"


def join_words(words: list[str]) -> str:
    """["王某", "李某", "赵某"] → "王某, 李某 and 赵某" (in Chinese "王某、李某和赵某")."""
    words = [str(w) for w in words]
    if not words:
        return ""
    first = words[0]
    for word in words[1:-1]:
        first = _("%(one)s, %(other)s") % {"one": first, "other": word}
    if len(words) == 1:
        return first
    return _("%(first)s and %(last)s") % {"first": first, "last": words[-1]}


# --- shares and ratios ----------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """An amount of the electorate as the tally JSON gives it: area (m²) and owners."""

    area: Decimal
    owners: int

    @classmethod
    def of(cls, data: dict | None) -> Amount:
        data = data or {}
        return cls(Decimal(str(data.get("area", "0"))), int(data.get("owners", 0)))

    @property
    def area_text(self) -> str:
        return area_text(self.area)


@dataclass(frozen=True)
class Ratio:
    """`part` of `whole` exactly: "540.00 / 720.00 = 3/4 (75.00%)"."""

    part: str  # the numerator as shown: "540.00" or "5"
    whole: str
    value: Fraction
    empty: bool = False  # the whole is 0: there is nothing to take a share of

    @classmethod
    def of_area(cls, part: Decimal, whole: Decimal) -> Ratio:
        value = Fraction(part) / Fraction(whole) if whole else Fraction(0)
        return cls(area_text(part), area_text(whole), value, empty=not whole)

    @classmethod
    def of_owners(cls, part: int, whole: int) -> Ratio:
        return cls(
            str(part), str(whole), Fraction(part, whole) if whole else Fraction(0), not whole
        )

    @property
    def fraction(self) -> str:
        return fraction_text(self.value)

    @property
    def percent(self) -> str:
        return percent_text(self.value)

    @property
    def quotient(self) -> str:
        """The share as "540.00/720.00 = 3/4"; just "5/7" when it does not reduce, and just
        "20994.85/27401.02" when the reduced fraction would be no easier to read (the quotient
        of the two exact amounts is the exact share either way)."""
        plain = f"{self.part}/{self.whole}"
        if self.fraction == plain or self.value.denominator > READABLE_DENOMINATOR:
            return plain
        return f"{plain} = {self.fraction}"


@dataclass(frozen=True)
class Check:
    """One comparison the law makes: a ratio against a bound, `≥` or `>`."""

    label: str  # "By area", "By owners"
    ratio: Ratio
    relation: str  # "≥" or ">"
    bound: Fraction

    @property
    def ok(self) -> bool:
        if self.ratio.empty:
            return False
        if self.relation == "≥":
            return self.ratio.value >= self.bound
        return self.ratio.value > self.bound

    @property
    def shown_relation(self) -> str:
        """The relation that actually holds: the rule's when met, its opposite when not."""
        if self.ok:
            return self.relation
        return "<" if self.relation == "≥" else "≤"

    @property
    def bound_fraction(self) -> str:
        return fraction_text(self.bound)

    @property
    def bound_percent(self) -> str:
        return percent_text(self.bound)

    @property
    def text(self) -> str:
        """The comparison as "540.00/720.00 = 3/4 (75.00%) ≥ 2/3 (66.67%)"; the mark and its
        words are added by the template, so colour and symbol are never the only cue."""
        if self.ratio.empty:
            return f"{self.ratio.part}/{self.ratio.whole}"
        return (
            f"{self.ratio.quotient} ({self.ratio.percent}) {self.shown_relation} "
            f"{self.bound_fraction} ({self.bound_percent})"
        )


@dataclass(frozen=True)
class ShareRow:
    """A line of a motion's figures: all owners, those who took part, yes, no, abstain."""

    key: str
    label: str
    amount: Amount
    area_of: Ratio | None = (
        None  # share of the line above it (participating of all; yes of participating)
    )
    owners_of: Ratio | None = None


def _rows_of(result: dict, labels: list[tuple[str, str]]) -> list[ShareRow]:
    total = Amount.of(result.get("total"))
    part = Amount.of(result.get("participating"))
    rows = [
        ShareRow("total", _("All owners"), total),
        ShareRow(
            "participating",
            _("Took part"),
            part,
            Ratio.of_area(part.area, total.area),
            Ratio.of_owners(part.owners, total.owners),
        ),
    ]
    for key, label in labels:
        if key not in result:
            continue
        amount = Amount.of(result[key])
        rows.append(
            ShareRow(
                key,
                label,
                amount,
                Ratio.of_area(amount.area, part.area),
                Ratio.of_owners(amount.owners, part.owners),
            )
        )
    return rows


def _checks(part: Amount, whole: Amount, relation: str, bound: Fraction) -> list[Check]:
    return [
        Check(_("By area"), Ratio.of_area(part.area, whole.area), relation, bound),
        Check(_("By owners"), Ratio.of_owners(part.owners, whole.owners), relation, bound),
    ]


# --- one motion -----------------------------------------------------------------------------


@dataclass
class CandidateRow:
    rank: int
    key: str
    name: str
    amount: Amount
    area_of: Ratio
    owners_of: Ratio
    qualified: bool
    status: str  # elected, alternate, tied, qualified, not_qualified
    status_label: str


@dataclass
class OptionRow:
    key: str
    label: str
    amount: Amount
    owners_of: Ratio
    area_of: Ratio


@dataclass
class BuildingRow:
    building: str
    total: Amount
    participating: Amount
    owners_of: Ratio  # turnout by owners in the building
    parts: list[Amount] = field(default_factory=list)  # yes, no, abstain — or one per candidate


@dataclass
class MotionFigures:
    id: int | None
    position: int | None
    title: str
    kind: str
    kind_label: str
    matter_label: str
    article: str  # the short citation: "Civil Code Art. 278 (2)"
    rule: str  # the rule in words (rules.ARTICLE)
    source: str  # "mulin", "official" (the city's file) or "file" (the recount page)
    official_sha256: str
    advisory: bool
    quorum: list[Check]
    quorum_met: bool
    outcome: str  # passed, not_passed, no_quorum, advisory, elected, no_election, counted
    outcome_label: str
    rows: list[ShareRow] = field(default_factory=list)
    threshold: list[Check] = field(default_factory=list)
    threshold_words: str = ""
    support: list[Ratio] = field(default_factory=list)  # consultations: (by owners, by area)
    silent: Amount | None = None
    silent_side: str = ""
    silent_words: str = ""
    # elections
    seats: int = 0
    alternate_seats: int = 0
    candidates: list[CandidateRow] = field(default_factory=list)
    elected: list[str] = field(default_factory=list)  # names, in rank order
    alternates: list[str] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)  # each tie in words
    void: Amount | None = None
    # questions
    options: list[OptionRow] = field(default_factory=list)
    answered: int | None = None
    # per building
    buildings: list[BuildingRow] = field(default_factory=list)
    building_columns: list[str] = field(default_factory=list)
    building_areas: bool = True  # the breakdown's cells have an area under the owners
    # the frozen result pages add: the ballot file, how to recount it, each unit if disclosed
    ballot_file_sha256: str = ""
    ballot_file_url: str = ""
    ballot_file_name: str = ""
    recount_command: str = ""
    recount_url: str = ""
    unit_rows: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def is_election(self) -> bool:
        return self.kind == MotionKind.ELECTION

    @property
    def elected_text(self) -> str:
        return join_words(self.elected)

    @property
    def alternates_text(self) -> str:
        return join_words(self.alternates)

    @property
    def is_question(self) -> bool:
        return self.kind in (MotionKind.SINGLE, MotionKind.MULTIPLE, MotionKind.TEXT)

    @property
    def is_yes_no(self) -> bool:
        return self.kind in (MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.CONSULTATION)

    @property
    def good(self) -> bool | None:
        """For the outcome badge: True passed/elected, False not, None advisory."""
        if self.outcome in ("passed", "elected"):
            return True
        if self.outcome in ("not_passed", "no_quorum", "no_election"):
            return False
        return None


def _kind_label(kind: str) -> str:
    try:
        return str(MotionKind(kind).label)
    except ValueError:
        return kind


def _article(kind: str, matter: str) -> tuple[str, str]:
    found = rules.MATTERS.get(matter or "")
    rule = rules.ARTICLE.get(kind, "")
    if found:
        return str(found.article), str(rule)
    if kind == MotionKind.ELECTION:
        return str(rules.MATTERS["committee"].article), str(rule)
    if kind in (MotionKind.ORDINARY, MotionKind.SPECIAL):
        return _("Civil Code Art. 278"), str(rule)
    return "", str(rule)


def motion_figures(entry: dict, *, names: dict[str, str] | None = None) -> MotionFigures:
    """The figures of one motion from its tally entry (`{"id", "position", "title", "kind",
    "matter", "result", "by_building", "source", "candidates"}`; the recount page passes only
    `kind`, `result` and `source="file"`). `names` maps candidate keys to ballot names."""
    result = entry.get("result") or {}
    kind = entry.get("kind") or result.get("kind", "")
    names = {**(entry.get("candidates") or {}), **(names or {})}
    article, rule = _article(kind, entry.get("matter", ""))
    matter = rules.MATTERS.get(entry.get("matter") or "")
    total = Amount.of(result.get("total"))
    part = Amount.of(result.get("participating"))
    quorum_met = bool(result.get("quorum_met", False))
    figures = MotionFigures(
        id=entry.get("id"),
        position=entry.get("position"),
        title=entry.get("title", ""),
        kind=kind,
        kind_label=_kind_label(kind),
        matter_label=str(matter.label) if matter else "",
        article=article,
        rule=rule,
        source=entry.get("source", "mulin"),
        official_sha256=entry.get("official_sha256", ""),
        advisory=kind not in (MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.ELECTION),
        quorum=_checks(part, total, "≥", tally.QUORUM),
        quorum_met=quorum_met,
        outcome="counted",
        outcome_label=_("Counted"),
    )
    if kind == MotionKind.ELECTION:
        _election(figures, result, names, part)
    elif figures.is_question:
        _question(figures, result, part)
    else:
        _yes_no(figures, result, part)
    _buildings(figures, entry.get("by_building") or [], kind, result, names)
    return figures


def _yes_no(figures: MotionFigures, result: dict, part: Amount) -> None:
    figures.rows = _rows_of(
        result, [("yes", _("In favour")), ("no", _("Against")), ("abstain", _("Abstain"))]
    )
    yes = Amount.of(result.get("yes"))
    side = result.get("silent_owners_counted_with", "")
    if side:
        figures.silent = Amount.of(result.get("silent"))
        figures.silent_side = side
        side_label = _("in favour") if side == "yes" else _("against")
        figures.silent_words = ngettext(
            "Local rule applied: %(owners)d owner (%(area)s m²) who did not vote is counted with "
            "the majority of those who voted (%(side)s).",
            "Local rule applied: %(owners)d owners (%(area)s m²) who did not vote are counted "
            "with the majority of those who voted (%(side)s).",
            figures.silent.owners,
        ) % {
            "owners": figures.silent.owners,
            "area": figures.silent.area_text,
            "side": side_label,
        }
    if figures.kind == MotionKind.CONSULTATION:
        figures.support = [
            Ratio.of_owners(yes.owners, part.owners),
            Ratio.of_area(yes.area, part.area),
        ]
        figures.outcome = "advisory"
        figures.outcome_label = _("Support: %(owners)s by owners, %(area)s by area") % {
            "owners": figures.support[0].percent,
            "area": figures.support[1].percent,
        }
        return
    if figures.kind == MotionKind.SPECIAL:
        figures.threshold = _checks(yes, part, "≥", tally.SPECIAL)
        figures.threshold_words = _(
            "Special matter: at least %(fraction)s (%(percent)s) of the participating area and "
            "of the participating owners must vote yes."
        ) % {"fraction": fraction_text(tally.SPECIAL), "percent": percent_text(tally.SPECIAL)}
    else:
        figures.threshold = _checks(yes, part, ">", tally.MAJORITY)
        figures.threshold_words = _(
            "Ordinary matter: more than %(fraction)s (%(percent)s) of the participating area and "
            "of the participating owners must vote yes."
        ) % {"fraction": fraction_text(tally.MAJORITY), "percent": percent_text(tally.MAJORITY)}
    if not figures.quorum_met:
        figures.outcome = "no_quorum"
        figures.outcome_label = _("Not passed: too few owners took part")
    elif result.get("passed"):
        figures.outcome, figures.outcome_label = "passed", _("Passed")
    else:
        figures.outcome, figures.outcome_label = "not_passed", _("Not passed")


def _status_label(status: str) -> str:
    return {
        "elected": _("Elected"),
        "alternate": _("Alternate"),
        "tied": _("Tied: run-off needed"),
        "qualified": _("Qualified, no place left"),
        "not_qualified": _("Not qualified"),
    }[status]


def _election(figures: MotionFigures, result: dict, names: dict, part: Amount) -> None:
    figures.rows = _rows_of(result, [("void", _("Void ballots"))])
    figures.void = Amount.of(result.get("void"))
    figures.seats = int(result.get("seats", 0))
    figures.alternate_seats = int(result.get("alternate_seats", 0))
    elected, alternates = list(result.get("elected", [])), list(result.get("alternates", []))
    ties = [list(group) for group in result.get("ties", [])]
    tied = {key for group in ties for key in group}

    def name(key: str) -> str:
        return names.get(key) or key

    rows = []
    previous, rank = None, 0
    for position, candidate in enumerate(result.get("candidates", []), start=1):
        amount = Amount.of(candidate)
        score = (amount.owners, amount.area)
        if score != previous:
            rank, previous = position, score
        key = candidate["key"]
        if key in elected:
            status = "elected"
        elif key in alternates:
            status = "alternate"
        elif key in tied:
            status = "tied"
        elif candidate.get("qualified"):
            status = "qualified"
        else:
            status = "not_qualified"
        rows.append(
            CandidateRow(
                rank=rank,
                key=key,
                name=name(key),
                amount=amount,
                area_of=Ratio.of_area(amount.area, part.area),
                owners_of=Ratio.of_owners(amount.owners, part.owners),
                qualified=bool(candidate.get("qualified")),
                status=status,
                status_label=_status_label(status),
            )
        )
    figures.candidates = rows
    figures.elected = [name(k) for k in elected]
    figures.alternates = [name(k) for k in alternates]
    figures.threshold_words = _(
        "A candidate qualifies with more than %(fraction)s (%(percent)s) of the participating "
        "area and of the participating owners; seats go to the qualified with most approving "
        "owners, then most area; qualified runners-up become alternates in that order."
    ) % {"fraction": fraction_text(tally.MAJORITY), "percent": percent_text(tally.MAJORITY)}
    for group in ties:
        who = join_words([name(k) for k in group])
        if len(elected) < figures.seats:
            places = figures.seats - len(elected)
            text = ngettext(
                "Tie between %(names)s for the last seat: not broken; a run-off is needed.",
                "Tie between %(names)s for the last %(count)d seats: not broken; a run-off is "
                "needed.",
                places,
            )
        else:
            places = figures.alternate_seats - len(alternates)
            text = ngettext(
                "Tie between %(names)s for the last alternate place: not broken; a run-off is "
                "needed.",
                "Tie between %(names)s for the last %(count)d alternate places: not broken; a "
                "run-off is needed.",
                places,
            )
        figures.ties.append(text % {"names": who, "count": places})
    if not figures.quorum_met:
        figures.outcome = "no_election"
        figures.outcome_label = _("No one elected: too few owners took part")
    elif elected:
        figures.outcome = "elected"
        figures.outcome_label = ngettext(
            "%(count)d of %(seats)d seat filled",
            "%(count)d of %(seats)d seats filled",
            figures.seats,
        ) % {"count": len(elected), "seats": figures.seats}
    else:
        figures.outcome = "no_election"
        figures.outcome_label = _("No one elected")


def _question(figures: MotionFigures, result: dict, part: Amount) -> None:
    figures.rows = _rows_of(result, [])
    figures.outcome, figures.outcome_label = "advisory", _("Questionnaire: answers counted")
    if "answered" in result:
        figures.answered = int(result["answered"])
        return
    figures.options = [
        OptionRow(
            key=option["key"],
            label=option.get("label", option["key"]),
            amount=Amount.of(option),
            owners_of=Ratio.of_owners(int(option.get("owners", 0)), part.owners),
            area_of=Ratio.of_area(Decimal(str(option.get("area", "0"))), part.area),
        )
        for option in result.get("options", [])
    ]


def building_label(number: str) -> str:
    return _("Building %(number)s") % {"number": number} if number else _("No building")


def _buildings(figures: MotionFigures, rows: list, kind: str, result: dict, names: dict) -> None:
    """The breakdown per building: yes / no / abstain, approvals per candidate, or answers."""
    if kind == MotionKind.ELECTION:
        keys = [c["key"] for c in result.get("candidates", [])]
        figures.building_columns = [names.get(k) or k for k in keys]
    elif kind == MotionKind.TEXT:
        keys = []
        figures.building_columns = [_("Wrote an answer")]
    elif figures.is_question:
        options = result.get("options", [])
        keys = [o["key"] for o in options]
        figures.building_columns = [o.get("label", o["key"]) for o in options]
    else:
        keys = []
        figures.building_columns = [_("In favour"), _("Against"), _("Abstain")]
    for row in rows:
        total = Amount.of(row.get("total"))
        part = Amount.of(row.get("participating"))
        if kind == MotionKind.ELECTION:
            approvals = row.get("candidates", {})
            parts = [Amount(Decimal("0"), int(approvals.get(k, 0))) for k in keys]
        elif kind == MotionKind.TEXT:
            parts = [Amount(Decimal("0"), int(row.get("answered", 0)))]
        elif figures.is_question:
            found = {o["key"]: Amount.of(o) for o in row.get("options", [])}
            parts = [found.get(k, Amount(Decimal("0"), 0)) for k in keys]
        else:
            parts = [Amount.of(row.get(k)) for k in ("yes", "no", "abstain")]
        figures.buildings.append(
            BuildingRow(
                building=building_label(row.get("building", "")),
                total=total,
                participating=part,
                owners_of=Ratio.of_owners(part.owners, total.owners),
                parts=parts,
            )
        )
    figures.building_areas = kind not in (MotionKind.ELECTION, MotionKind.TEXT)


# --- the whole vote -------------------------------------------------------------------------


@dataclass
class ChannelRow:
    channel: str
    label: str
    amount: Amount


@dataclass
class VoteFigures:
    total: Amount
    participating: Amount
    area_of: Ratio
    owners_of: Ratio
    ballots: int
    channels: list[ChannelRow]
    silent_rule: bool  # the compound counts silent owners with the majority
    silent_used: bool  # and some motion's result used it
    secret: bool
    official: bool  # some motion's result came from the city's file
    motions: list[MotionFigures]


def channel_label(code: str) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def vote_figures(data: dict) -> VoteFigures:
    """Every figure of a vote's tally (`results.compute_tally` or the frozen `vote.tally`)."""
    total = Amount.of(data.get("total"))
    part = Amount.of(data.get("participating"))
    motions = [motion_figures(entry) for entry in data.get("motions", [])]
    return VoteFigures(
        total=total,
        participating=part,
        area_of=Ratio.of_area(part.area, total.area),
        owners_of=Ratio.of_owners(part.owners, total.owners),
        ballots=int(data.get("ballots", 0)),
        channels=[
            ChannelRow(code, channel_label(code), Amount.of(share))
            for code, share in (data.get("by_channel") or {}).items()
        ],
        silent_rule=bool(data.get("silent_owners_follow_majority")),
        silent_used=any(m.silent_side for m in motions),
        secret=bool(data.get("secret")),
        official=any(m.source == "official" for m in motions),
        motions=motions,
    )
