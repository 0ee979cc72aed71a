"""Reads and small helpers of the recording pages (views/ballots.py): the electors a recorder
may see, the paper ballots' QR codes, answers in words, and participation percentages.

The lead-owned selectors stay untouched; what only these pages need lives here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from mulin.core import access

from .models import YES_NO_KINDS, Ballot, CanvassStatus, Elector, ElectorUnit, MotionKind

HUNDRED = Decimal(100)


def percent(part, whole) -> Decimal:
    """`part` of `whole` in percent, exactly rounded to two decimals (0.00 when `whole` is 0)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def electors_for(user, vote) -> QuerySet:
    """The vote's electors `user` may record for (a building grant reaches its building only),
    with the building; in natural order ("63-2-301" before "63-2-1001")."""
    rows = access.visible(
        user, access.DECISIONS_RECORD, Elector.objects.filter(vote=vote)
    ).select_related("building")
    return rows.order_by("building__sort_key", "building__number", Length("label"), "label", "id")


def with_units(electors: QuerySet) -> QuerySet:
    """Electors with their units (`elector.units.all()`), in one more query for the page."""
    return electors.prefetch_related(
        Prefetch(
            "units", queryset=ElectorUnit.objects.order_by("id").only("elector_id", "unit_code")
        )
    )


def voted_ids(electors) -> set[int]:
    """Which of these electors have a ballot in (one query, whatever the number)."""
    ids = [e.pk for e in electors]
    if not ids:
        return set()
    return set(Ballot.objects.filter(elector_id__in=ids).values_list("elector_id", flat=True))


@dataclass
class CanvassState:
    """An owner party's door-to-door state in words, icon and colour (never colour alone)."""

    code: str
    label: str
    icon: str
    style: str


def canvass_state(elector, voted: bool) -> CanvassState:
    if voted:
        return CanvassState("voted", _("Voted"), "check-circle-fill", "approved")
    status = elector.canvass_status
    if status == CanvassStatus.CONTACTED:
        return CanvassState(status, _("Contacted"), "chat-dots", "pending")
    if status == CanvassStatus.UNREACHABLE:
        return CanvassState(status, _("Unreachable"), "slash-circle", "rejected")
    return CanvassState(CanvassStatus.PENDING, _("Not visited"), "circle", "neutral")


# ---------------------------------------------------------------- answers in words


def answer_words(motion, answer) -> str:
    """A stored answer as staff read it ("For"; "张三, 李四"; "No candidate (abstain)")."""
    if answer is None:
        return "—"
    if motion.kind in YES_NO_KINDS:
        return {"yes": _("For"), "no": _("Against"), "abstain": _("Abstain")}.get(answer, answer)
    if motion.kind == MotionKind.ELECTION:
        if answer == "abstain":
            return _("No candidate (abstain)")
        names = {c.key: c.display_name for c in motion.candidates.all()}
        text = ", ".join(names.get(key, key) for key in answer)
        if len(answer) > (motion.seats or 0):
            text = _("%(names)s — void: more than %(seats)d approved") % {
                "names": text,
                "seats": motion.seats,
            }
        return text
    if motion.kind == MotionKind.TEXT:
        text = answer.get("text", "") if isinstance(answer, dict) else str(answer)
        return text or "—"
    labels = {o.key: o.label for o in motion.options.all()}
    return ", ".join(labels.get(key, key) for key in answer)


# ---------------------------------------------------------------- QR codes

# One print run draws up to a few thousand codes of the same shape (the record URL with a token).
# qrcode's own encoder spends most of a code trying all eight masks and dividing polynomials
# held as lists: ~28 ms a code, 28 s for 1,000 ballots. Here the mask is fixed (any of the eight
# is valid: scanners read it from the format bits), the version fitted once per URL length, and
# the error-correction bytes come from a table-driven Reed-Solomon division; qrcode still lays
# out the matrix. `test_pages_record_paper.py` checks every matrix against qrcode's own.
QR_MASK = 2
_DARK_RUN = re.compile(rb"\x01+")
_EXP = qrcode.base.EXP_TABLE
_LOG = qrcode.base.LOG_TABLE
_GENERATORS: dict[int, list[int]] = {}
_ROWS: dict[int, list[int]] = {}


def _generator(count: int) -> list[int]:
    """The Reed-Solomon generator polynomial of `count` error-correction bytes (monic)."""
    if count not in _GENERATORS:
        poly = [1]
        for i in range(count):
            root = _EXP[i % 255]
            out = [0] * (len(poly) + 1)
            for j, coefficient in enumerate(poly):
                out[j] ^= coefficient
                if coefficient:
                    out[j + 1] ^= _EXP[(_LOG[coefficient] + _LOG[root]) % 255]
            poly = out
        _GENERATORS[count] = poly
    return _GENERATORS[count]


def _rows(count: int) -> list[int]:
    """For every byte f, f × generator (without its leading 1) as one big-endian integer."""
    if count not in _ROWS:
        logs = [_LOG[c] for c in _generator(count)[1:]]
        _ROWS[count] = [0] + [
            int.from_bytes(bytes(_EXP[(g + _LOG[f]) % 255] for g in logs), "big")
            for f in range(1, 256)
        ]
    return _ROWS[count]


def _remainder(data: list[int], count: int) -> list[int]:
    """The error-correction bytes: the remainder of data·x^count divided by the generator,
    the remainder held as one integer shifted a byte at a time."""
    rows, mask, top = _rows(count), (1 << 8 * count) - 1, 8 * (count - 1)
    rest = 0
    for byte in data:
        rest = ((rest << 8) & mask) ^ rows[byte ^ (rest >> top)]
    return list(rest.to_bytes(count, "big"))


def qr_codewords(payload: bytes, version: int, error_correction: int) -> list[int]:
    """The final codeword sequence of `payload` as one 8-bit segment (ISO/IEC 18004 §7)."""
    blocks = qrcode.base.rs_blocks(version, error_correction)
    capacity = sum(b.data_count for b in blocks)
    count_bits = 8 if version < 10 else 16
    value = (0b0100 << count_bits | len(payload)) << 8 * len(payload) | int.from_bytes(
        payload, "big"
    )
    bits = 4 + count_bits + 8 * len(payload)
    if bits > capacity * 8:
        raise qrcode.exceptions.DataOverflowError(f"{bits} bits > {capacity * 8}")
    tail = min(4, capacity * 8 - bits)
    tail += (-(bits + tail)) % 8  # the terminator, then zeros to a whole byte
    value <<= tail
    data = list(value.to_bytes((bits + tail) // 8, "big"))
    data += [0xEC, 0x11] * ((capacity - len(data)) // 2 + 1)
    data = data[:capacity]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        part = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(part)
        ec_blocks.append(_remainder(part, block.total_count - block.data_count))
    out = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


class QrMaker:
    """SVG QR codes for many URLs of the same shape (one print run of ballots).

    For one version and mask a code's matrix is linear in its data bits: the all-zero code with
    each set data bit flipped at its place. So qrcode lays out two codes per version (all data
    bits 0, all 1) to learn the template and which cells hold data, in its zigzag order; every
    further code is its codewords flipped into a copy of the template."""

    def __init__(self, *, error_correction=qrcode.constants.ERROR_CORRECT_M, border: int = 3):
        self.error_correction = error_correction
        self.border = border
        self._versions: dict[int, int] = {}
        self._layouts: dict[int, tuple[list[list[bool]], list[tuple[int, int]]]] = {}

    def _segment(self, payload: bytes) -> qrcode.util.QRData:
        return qrcode.util.QRData(payload, mode=qrcode.util.MODE_8BIT_BYTE, check_data=False)

    def version(self, payload: bytes) -> int:
        if len(payload) not in self._versions:
            code = qrcode.QRCode(error_correction=self.error_correction, mask_pattern=QR_MASK)
            code.add_data(self._segment(payload))
            code.best_fit()
            self._versions[len(payload)] = code.version
        return self._versions[len(payload)]

    def _laid_out(self, version: int, codewords: list[int]) -> list[list[bool]]:
        code = qrcode.QRCode(
            version=version,
            error_correction=self.error_correction,
            border=self.border,
            mask_pattern=QR_MASK,
        )
        code.add_data(self._segment(b""))
        code.data_cache = codewords
        code.make(fit=False)
        return code.get_matrix()

    def _layout(self, version: int):
        if version not in self._layouts:
            total = sum(
                b.total_count for b in qrcode.base.rs_blocks(version, self.error_correction)
            )
            zeros = self._laid_out(version, [0] * total)
            ones = self._laid_out(version, [0xFF] * total)
            size = len(zeros)
            cells = {(y, x) for y in range(size) for x in range(size) if zeros[y][x] != ones[y][x]}
            self._layouts[version] = (zeros, _zigzag(size, self.border, cells))
        return self._layouts[version]

    def matrix(self, data: str) -> list[list[bool]]:
        payload = data.encode()
        version = self.version(payload)
        template, places = self._layout(version)
        rows = [row[:] for row in template]
        bits = "".join(f"{b:08b}" for b in qr_codewords(payload, version, self.error_correction))
        for (y, x), bit in zip(places, bits, strict=False):
            if bit == "1":
                rows[y][x] = not rows[y][x]
        return rows

    def svg(self, data: str, *, css_class: str = "ballot-qr") -> str:
        """The code as one SVG path of dark runs: our own markup, safe to mark_safe."""
        rows = self.matrix(data)
        size = len(rows)
        parts = [
            f"M{start} {y}h{end - start}v1h{start - end}z"
            for y, row in enumerate(rows)
            for start, end in (run.span() for run in _DARK_RUN.finditer(bytes(row)))
        ]
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {size} '
            f'{size}" aria-hidden="true" focusable="false" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{"".join(parts)}" fill="#000"/></svg>'
        )


def _zigzag(size: int, border: int, cells: set) -> list[tuple[int, int]]:
    """The data cells in placement order (ISO/IEC 18004 §7.7.3): two-column strips from the
    right, up then down, skipping the vertical timing column; `size` includes the border."""
    n = size - 2 * border
    order, upward = [], True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(n - 1, -1, -1) if upward else range(n)
        for row in rows:
            for c in (col, col - 1):
                cell = (row + border, c + border)
                if cell in cells:
                    order.append(cell)
        upward = not upward
        col -= 2
    return order


def token_groups(token: str) -> str:
    """`ABCDEFGHJK` → `ABCDE FGHJK`: easier to read off paper and type (spaces are ignored)."""
    return " ".join(token[i : i + 5] for i in range(0, len(token), 5))
