"""Unit codes as residents write them (`63幢2单元301`) and as staff type them (`63-2-301`)."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_BUILDING = r"(?P<building>[0-9A-Za-z]+)\s*(?:幢|栋|号楼|号|楼)"
_ENTRANCE = r"(?P<entrance>[0-9A-Za-z]+)\s*(?:单元|门|梯)"
_NUMBER = r"(?P<number>[0-9A-Za-z]+)\s*(?:室|号)?"
_CHINESE = re.compile(rf"^{_BUILDING}\s*(?:{_ENTRANCE})?\s*{_NUMBER}$")
_SHORT = re.compile(
    r"^(?P<building>[0-9A-Za-z]+)-(?:(?P<entrance>[0-9A-Za-z]+)-)?(?P<number>[0-9A-Za-z]+)$"
)


class UnitCodeError(ValueError):
    pass


@dataclass(frozen=True)
class UnitCode:
    building: str
    entrance: str | None
    number: str

    @property
    def short(self) -> str:
        """`63-2-301`, or `63-301` for a building without entrances."""
        parts = [self.building, self.entrance, self.number]
        return "-".join(p for p in parts if p)

    @property
    def chinese(self) -> str:
        """`63幢2单元301`."""
        entrance = f"{self.entrance}单元" if self.entrance else ""
        return f"{self.building}幢{entrance}{self.number}"

    def __str__(self) -> str:
        return self.short


def parse_unit_code(text: str) -> UnitCode:
    """Parse `63幢2单元301`, `63栋2单元301室`, `63号楼301`, `63-2-301` or `63-301`."""
    cleaned = (text or "").strip().replace("－", "-").replace("—", "-").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    match = _SHORT.match(cleaned) or _CHINESE.match(cleaned)
    if not match:
        raise UnitCodeError(
            _("“%(code)s” is not a unit code; write it like 63-2-301 or 63幢2单元301.")
            % {"code": text}
        )
    entrance = match.group("entrance") or None
    return UnitCode(
        match.group("building").upper(),
        entrance.upper() if entrance else None,
        match.group("number").upper(),
    )


def floor_from_number(number: str) -> int | None:
    """Room numbers put the floor before the last two digits: 301 → 3, 1203 → 12."""
    digits = re.match(r"^(\d+)", number or "")
    if not digits or len(digits.group(1)) < 3:
        return None
    return int(digits.group(1)[:-2])
