"""Photos of requests (`mulin.tickets.photos`): only JPEG, PNG or HEIC in, at most 10 MB each and
six at a time; what is kept is a JPEG without EXIF, so no GPS position of anyone's home."""

import io

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mulin.tickets.models import Ticket, TicketPhoto
from mulin.tickets.photos import MAX_BYTES, MAX_EDGE, clean_photo, clean_photos

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), exif=None) -> bytes:
    buf = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(buf, format="JPEG", exif=exif)
    else:
        image.save(buf, format="JPEG")
    return buf.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",  # GPSLatitudeRef
            2: (24.0, 29.0, 12.5),  # GPSLatitude: a home in Xiamen
            3: "E",
            4: (118.0, 5.0, 30.0),
        }
    )
    return exif


def reopen(clean) -> Image.Image:
    image = Image.open(io.BytesIO(clean.content.read()))
    clean.content.seek(0)
    return image


def codes(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- what is refused --------------------------------------------------------------------------


def test_text_file_renamed_to_jpg_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(b"this is not a picture at all", "leak.jpg"))
    assert exc.value.code == "wrong_type"
    assert "Photo 1 is not a JPEG, PNG or HEIC picture." in codes(exc.value)


def test_gif_is_refused_even_though_it_is_an_image():
    buf = io.BytesIO()
    Image.new("P", (10, 10)).save(buf, format="GIF")
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(buf.getvalue(), "anim.gif", "image/gif"), position=3)
    assert exc.value.code == "wrong_type"
    assert "Photo 3" in codes(exc.value)


def test_photo_over_10_mb_is_refused_before_decoding():
    # Valid JPEG start, then padding past the limit: the size alone decides, nothing is decoded.
    data = jpeg_bytes() + b"\0" * (MAX_BYTES + 1)
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(data))
    assert exc.value.code == "too_large"
    assert "larger than 10 MB" in codes(exc.value)


def test_photo_of_exactly_10_mb_is_not_refused_for_its_size():
    data = jpeg_bytes()
    data += b"\0" * (MAX_BYTES - len(data))
    assert clean_photo(upload(data)).width == 64


def test_more_than_six_photos_are_refused_and_none_kept():
    with pytest.raises(ValidationError) as exc:
        clean_photos([upload(jpeg_bytes()) for _ in range(7)])
    assert exc.value.message_dict == {"photos": ["Send at most 6 photos."]}


def test_six_photos_are_fine():
    assert len(clean_photos([upload(jpeg_bytes()) for _ in range(6)])) == 6


def test_every_bad_photo_is_named_not_only_the_first():
    with pytest.raises(ValidationError) as exc:
        clean_photos([upload(jpeg_bytes()), upload(b"junk", "a.jpg"), upload(b"more", "b.png")])
    messages = exc.value.message_dict["photos"]
    assert len(messages) == 2
    assert "Photo 2" in messages[0] and "Photo 3" in messages[1]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(b""))
    assert exc.value.code == "empty"


# --- what is kept -----------------------------------------------------------------------------


def test_gps_and_camera_exif_are_stripped():
    original = upload(jpeg_bytes(exif=gps_exif()))
    assert Image.open(io.BytesIO(original.read())).getexif().get_ifd(GPS_IFD)  # it was there
    original.seek(0)
    image = reopen(clean_photo(original))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "exif" not in image.info


def test_exif_orientation_is_applied_to_the_pixels_then_dropped():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # taken with the phone on its side: rotate 90° clockwise to view
    image = reopen(clean_photo(upload(jpeg_bytes(size=(80, 40), exif=exif))))
    assert image.size == (40, 80)
    assert ORIENTATION not in image.getexif()


def test_png_with_transparency_becomes_a_jpeg_on_white():
    buf = io.BytesIO()
    png = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    png.paste((0, 0, 255, 255), (0, 0, 10, 20))
    png.save(buf, format="PNG")
    clean = clean_photo(upload(buf.getvalue(), "screen.png", "image/png"))
    image = reopen(clean)
    assert image.format == "JPEG" and image.mode == "RGB"
    left, right = image.getpixel((2, 10)), image.getpixel((17, 10))
    assert left[2] > 200 and left[0] < 60  # blue stays blue
    assert min(right) > 240  # transparent became white, not black


def test_heic_from_an_iphone_becomes_a_jpeg():
    buf = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 48), (10, 160, 60))).save(buf, quality=90)
    assert buf.getvalue()[4:12] == b"ftypheic"
    clean = clean_photo(upload(buf.getvalue(), "IMG_0001.HEIC", "image/heic"))
    image = reopen(clean)
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    red, green, blue = image.getpixel((30, 20))
    assert green > red and green > blue


def test_large_photo_is_scaled_to_the_long_edge_limit():
    clean = clean_photo(upload(jpeg_bytes(size=(MAX_EDGE * 2, MAX_EDGE))))
    assert (clean.width, clean.height) == (MAX_EDGE, MAX_EDGE // 2)


def test_stored_photo_of_a_submitted_request_has_no_gps(world, submit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = submit(photos=[upload(jpeg_bytes(exif=gps_exif()), "IMG_2024.jpg")])
    photo = TicketPhoto.objects.get(ticket=ticket)
    assert photo.image.name.endswith(".jpg")
    assert "IMG_2024" not in photo.image.name  # the uploaded name is never kept
    with photo.image.open("rb") as stored:
        image = Image.open(stored)
        image.load()
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(GPS_IFD)
    assert not image.getexif()
    assert photo.size_bytes == photo.image.size


def test_a_bad_photo_leaves_no_request_behind(world, submit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        submit(photos=[upload(b"GIF89a not really", "x.gif", "image/gif")])
    assert "photos" in exc.value.message_dict
    assert not Ticket.objects.exists()
    assert not TicketPhoto.objects.exists()
