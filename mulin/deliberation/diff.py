"""Differences between two wordings of a rule, for people to read.

Chinese has no spaces, so a word diff is useless: the texts are compared line by line (a clause
per line), and a changed line is compared again character by character. The result is plain data
(rows of segments) that a template shows inline or side by side, marking what was removed and
what was added with words and symbols as well as colour.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

SAME, ADDED, REMOVED = "same", "added", "removed"


@dataclass
class Segment:
    op: str  # SAME, ADDED or REMOVED
    text: str


@dataclass
class Row:
    """One line of the comparison: unchanged, removed, added, or changed (both sides)."""

    kind: str  # "same", "removed", "added", "changed"
    old_number: int | None = None
    new_number: int | None = None
    old: list[Segment] = field(default_factory=list)  # the old line, with what was removed
    new: list[Segment] = field(default_factory=list)  # the new line, with what was added
    merged: list[Segment] = field(default_factory=list)  # one line: removed, then added

    def __post_init__(self):
        if not self.merged:
            self.merged = self.old if self.kind in ("same", "removed") else self.new


@dataclass
class Diff:
    rows: list[Row]
    added: int  # characters added
    removed: int  # characters removed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _lines(text: str) -> list[str]:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _chars(old: str, new: str) -> tuple[list[Segment], list[Segment], list[Segment], int, int]:
    old_segments: list[Segment] = []
    new_segments: list[Segment] = []
    merged: list[Segment] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            old_segments.append(Segment(SAME, old[i1:i2]))
            new_segments.append(Segment(SAME, new[j1:j2]))
            merged.append(Segment(SAME, old[i1:i2]))
            continue
        if i2 > i1:
            old_segments.append(Segment(REMOVED, old[i1:i2]))
            merged.append(Segment(REMOVED, old[i1:i2]))
            removed += i2 - i1
        if j2 > j1:
            new_segments.append(Segment(ADDED, new[j1:j2]))
            merged.append(Segment(ADDED, new[j1:j2]))
            added += j2 - j1
    return old_segments, new_segments, merged, added, removed


def compare(old: str, new: str) -> Diff:
    """Compare two texts: line by line, then character by character inside changed lines."""
    a, b = _lines(old), _lines(new)
    rows: list[Row] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                line = a[i1 + offset]
                rows.append(
                    Row(
                        "same",
                        i1 + offset + 1,
                        j1 + offset + 1,
                        [Segment(SAME, line)],
                        [Segment(SAME, line)],
                    )
                )
            continue
        old_block, new_block = a[i1:i2], b[j1:j2]
        paired = min(len(old_block), len(new_block)) if tag == "replace" else 0
        for offset in range(paired):
            o, n, merged, plus, minus = _chars(old_block[offset], new_block[offset])
            added += plus
            removed += minus
            rows.append(Row("changed", i1 + offset + 1, j1 + offset + 1, o, n, merged))
        for offset in range(paired, len(old_block)):
            line = old_block[offset]
            removed += len(line)
            rows.append(Row("removed", i1 + offset + 1, None, [Segment(REMOVED, line)], []))
        for offset in range(paired, len(new_block)):
            line = new_block[offset]
            added += len(line)
            rows.append(Row("added", None, j1 + offset + 1, [], [Segment(ADDED, line)]))
    return Diff(rows, added, removed)


def as_json(diff: Diff) -> dict:
    return {
        "added": diff.added,
        "removed": diff.removed,
        "rows": [
            {
                "kind": row.kind,
                "old_line": row.old_number,
                "new_line": row.new_number,
                "old": [{"op": s.op, "text": s.text} for s in row.old],
                "new": [{"op": s.op, "text": s.text} for s in row.new],
            }
            for row in diff.rows
        ],
    }
