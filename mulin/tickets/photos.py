"""Photos of requests: JPEG, PNG or HEIC in, a JPEG without EXIF out.

Phones put the place a photo was taken (GPS) and the device into EXIF. A request photo is of
someone's home, so none of that is kept: the image is decoded, turned upright by its EXIF
orientation, re-encoded as JPEG from the pixels alone, and scaled down to at most
`MAX_EDGE` pixels on the long edge.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

MAX_PHOTOS = 6
MAX_BYTES = 10 * 1024 * 1024
MAX_EDGE = 2560
MAX_PIXELS = 60_000_000  # a decompression bomb is refused before it is decoded
ACCEPTED_FORMATS = {"JPEG", "PNG", "HEIF"}
QUALITY = 85


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.content.size


def clean_photo(upload, *, position: int = 1) -> CleanPhoto:
    """Validate one uploaded file and return it as a clean JPEG; `position` names it in errors."""
    name = {"number": position}
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > MAX_BYTES:
        raise ValidationError(
            gettext("Photo %(number)s is larger than 10 MB; send a smaller one.") % name,
            code="too_large",
        )
    if size == 0:
        raise ValidationError(gettext("Photo %(number)s is empty.") % name, code="empty")
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ACCEPTED_FORMATS:
                raise ValidationError(
                    gettext("Photo %(number)s is not a JPEG, PNG or HEIC picture.") % name,
                    code="wrong_type",
                )
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    gettext("Photo %(number)s has too many pixels; send a smaller one.") % name,
                    code="too_large",
                )
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            gettext("Photo %(number)s is not a JPEG, PNG or HEIC picture.") % name,
            code="wrong_type",
        ) from None
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    # No `exif=` and a fresh image: nothing of the original's metadata is written.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return CleanPhoto(ContentFile(out.getvalue(), name="photo.jpg"), *clean.size)


def clean_photos(uploads) -> list[CleanPhoto]:
    """Validate up to `MAX_PHOTOS` files; every problem is reported, nothing is kept on error."""
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": gettext("Send at most 6 photos.")},
            code="too_many",
        )
    cleaned, errors = [], []
    for position, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(clean_photo(upload, position=position))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned


def photo_response(user, *, ticket_id: int, photo_id: int):
    """The stored JPEG of one photo of a request `user` may see, else 404 — for the page and the
    API alike; never served from the media directory directly."""
    from django.http import FileResponse, Http404

    from . import selectors
    from .models import TicketPhoto

    if not selectors.tickets_for(user).filter(pk=ticket_id).exists():
        raise Http404
    row = TicketPhoto.objects.filter(pk=photo_id, ticket_id=ticket_id).first()
    if row is None:
        raise Http404
    try:
        handle = row.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
