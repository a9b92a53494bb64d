"""Generated people, places and photos: valid-looking, and none of them real.

Resident ID numbers follow GB 11643-1999 (region, birth date, sequence, check
character) with the region code of Xindu district, Chengdu (510114). Phone
numbers are 11-digit mainland mobile numbers. Names are drawn from common
family names and given-name characters.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

import prcoords
from PIL import Image, ImageDraw

# GB 11643-1999: weights of the first 17 digits, and the check character indexed by the weighted sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
XINDU_REGION = "510114"
MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "158", "177", "180", "186", "189", "199")
FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_CHARACTERS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力永健俊鹏宇浩凯飞鑫波斌晨阳"

# EXIF tags (TIFF 6.0 / EXIF 2.3 numbering).
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
EXIF_MODEL = 0x0110
EXIF_BODY_SERIAL = 0xA431
EXIF_GPS_IFD = 0x8825
# Orientation values a phone writes, and whether showing the image upright swaps its width and height.
ORIENTATION_SWAPS = {1: False, 3: False, 6: True, 8: True}
# Points closer than this to a community edge are not used, so that rounding can never move them across it.
EDGE_MARGIN_M = 30.0
METRES_PER_DEGREE = 111_320.0


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS)) % 11]


@dataclass(frozen=True)
class Person:
    real_name: str
    phone: str
    id_number: str
    company_code: str
    password: str


class PersonFactory:
    """Generates distinct couriers. Each run draws new numbers, so runs sharing a Redis never collide."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN_CHARACTERS) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(FAMILY_NAMES) + given

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self) -> str:
        while True:
            birth = date(1970, 1, 1) + timedelta(days=self.rng.randrange(365 * 35))
            first17 = f"{XINDU_REGION}{birth:%Y%m%d}{self.rng.randrange(1, 1000):03d}"
            number = first17 + id_check_character(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def courier(self, company_code: str) -> Person:
        password = f"Rider-{self.rng.randrange(10**8):08d}"
        return Person(self.name(), self.phone(), self.id_number(), company_code, password)


def invalid_id_number(valid: str) -> str:
    """The same number with a wrong check character, as a mistyped registration would send it."""
    wrong = next(character for character in ID_CHECK if character != valid[-1])
    return valid[:-1] + wrong


class AddressPool:
    """Distinct client addresses: phones on carrier-grade NAT space (100.64.0.0/10), portals on 10.0.0.0/8."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _draw(self, make) -> str:  # type: ignore[no-untyped-def]
        while True:
            address = make()
            if address not in self.used:
                self.used.add(address)
                return address

    def phone(self) -> str:
        return self._draw(lambda: f"100.{self.rng.randrange(64, 128)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}")

    def office(self) -> str:
        return self._draw(lambda: f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}")


# --- Places ---------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A WGS-84 point, where the problem really is."""

    latitude: float
    longitude: float

    def as_gcj02(self) -> tuple[float, float]:
        """The point as a phone in mainland China reports it: GCJ-02, converted with prcoords."""
        converted = prcoords.wgs_gcj(prcoords.Coords(self.latitude, self.longitude), False)
        return converted.lat, converted.lon

    def moved(self, north_m: float, east_m: float) -> "Point":
        return Point(
            self.latitude + north_m / METRES_PER_DEGREE,
            self.longitude + east_m / (METRES_PER_DEGREE * math.cos(math.radians(self.latitude))),
        )


def _outer_rings(boundary: dict) -> list[list[list[float]]]:
    if boundary["type"] == "Polygon":
        return [boundary["coordinates"][0]]
    if boundary["type"] == "MultiPolygon":
        return [polygon[0] for polygon in boundary["coordinates"]]
    raise ValueError(f"unsupported boundary type {boundary['type']}")


def _inside(ring: list[list[float]], point: Point) -> bool:
    """Ray casting on one ring of [longitude, latitude] pairs."""
    inside = False
    x, y = point.longitude, point.latitude
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _edge_distance_m(ring: list[list[float]], point: Point) -> float:
    """Distance from the point to the nearest edge of the ring, on a local flat approximation."""
    scale_x = METRES_PER_DEGREE * math.cos(math.radians(point.latitude))
    px, py = point.longitude * scale_x, point.latitude * METRES_PER_DEGREE
    nearest = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        ax, ay, bx, by = x1 * scale_x, y1 * METRES_PER_DEGREE, x2 * scale_x, y2 * METRES_PER_DEGREE
        length = (bx - ax) ** 2 + (by - ay) ** 2
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / length))
        nearest = min(nearest, math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay))))
    return nearest


def random_point_in(boundary: dict, rng: random.Random) -> Point:
    """A random WGS-84 point inside the GeoJSON boundary, at least EDGE_MARGIN_M from its edges."""
    rings = _outer_rings(boundary)
    longitudes = [x for ring in rings for x, _ in ring]
    latitudes = [y for ring in rings for _, y in ring]
    for _ in range(10_000):
        point = Point(rng.uniform(min(latitudes), max(latitudes)), rng.uniform(min(longitudes), max(longitudes)))
        for ring in rings:
            if _inside(ring, point) and _edge_distance_m(ring, point) >= EDGE_MARGIN_M:
                return point
    raise ValueError("no point found inside the boundary; is it smaller than the edge margin?")


# --- Photos ---------------------------------------------------------------------


def _rational_dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    return (float(degrees), float(minutes), round((minutes_float - minutes) * 60, 4))


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int
    orientation: int

    @property
    def upright_size(self) -> tuple[int, int]:
        """Width and height once the EXIF orientation is applied, as the served photo should be."""
        return (self.height, self.width) if ORIENTATION_SWAPS[self.orientation] else (self.width, self.height)


def phone_photo(point: Point, label: str, rng: random.Random, *, orientation: int) -> Photo:
    """A JPEG as a phone camera writes it: EXIF GPS in WGS-84, an orientation, camera make, model and serial.

    Every photo has its own pixels (a random scene and a label), so the server's
    check for a photo reused across reports never fires by accident.
    """
    width, height = rng.choice(((960, 720), (800, 600), (1024, 768)))
    image = Image.new("RGB", (width, height), (rng.randrange(90, 160), rng.randrange(90, 160), rng.randrange(90, 160)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 160)), fill=colour)
    draw.text((20, 20), label, fill=(255, 255, 255))

    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    exif[EXIF_MAKE] = "Dafeng Phone"
    exif[EXIF_MODEL] = "DF-1"
    exif[EXIF_BODY_SERIAL] = f"SN{rng.randrange(10**10):010d}"
    exif.get_ifd(EXIF_GPS_IFD).update({
        1: "N", 2: _rational_dms(point.latitude), 3: "E", 4: _rational_dms(point.longitude),
    })
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif.tobytes(), quality=85)
    return Photo(output.getvalue(), width, height, orientation)
