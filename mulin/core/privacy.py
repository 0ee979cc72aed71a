"""Personal data: masking for lists, encryption at rest, and the formats we validate."""

import base64
import hashlib
import hmac
import re
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`; short numbers keep only their last two digits."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_id_number(id_number: str) -> str:
    """`350203199001011234` → `3502**********1234`."""
    if not id_number:
        return ""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    """For public pages without consent: 张三丰 → 张**."""
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-()（）+]", "", value or "").removeprefix("86") if value else ""


def phone_error(value: str) -> str | None:
    """A message when `value` is neither a mainland mobile nor a landline."""
    raw = (value or "").strip()
    if not raw:
        return None
    mobile = normalise_phone(raw)
    if PHONE_RE.match(mobile) or LANDLINE_RE.match(raw.replace(" ", "")):
        return None
    return _(
        "“%(value)s” is not a valid phone number (11-digit mobile or landline with area code)."
    ) % {"value": raw}


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def id_number_error(value: str, today: date | None = None) -> str | None:
    """GB 11643-1999: 17 digits, a valid birth date, and the ISO 7064 MOD 11-2 check character."""
    raw = (value or "").strip().upper()
    if not raw:
        return None
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        return _("An ID number has 18 characters: 17 digits and a final digit or X.")
    try:
        born = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return _("The birth date inside the ID number is not a real date.")
    if born > (today or date.today()):
        return _("The birth date inside the ID number is in the future.")
    total = sum(int(d) * w for d, w in zip(raw[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != raw[17]:
        return _("The ID number's check digit is wrong; please check it for a typing mistake.")
    return None


def _fernet() -> Fernet:
    secret = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    key = hashlib.sha256(("mulin-field:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def digest(value: str) -> str:
    """A keyed hash to find equal values (e.g. the same ID number) without storing them."""
    secret = (settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY).encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest() if value else ""


PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z]"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]"  # ordinary plates: 5 characters
    r"|[DF][A-HJ-NP-Z0-9]\d{4}"  # new-energy small cars: D/F then 5
    r"|\d{5}[DF])$"  # new-energy large vehicles: 5 digits then D/F
)


def normalise_plate(value: str) -> str:
    return re.sub(r"[\s·•\-]", "", value or "").upper()


def plate_error(value: str) -> str | None:
    plate = normalise_plate(value)
    if PLATE_RE.match(plate):
        return None
    return _(
        "“%(value)s” is not a Chinese licence plate (e.g. 闽D12345 or new-energy 浙AD12345)."
    ) % {"value": value}
