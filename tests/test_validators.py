"""Real-name input rules, without a database."""

from datetime import date

import pytest

from api.identity.validators import normalise_id_number, normalise_phone, normalise_real_name
from api.auth.passwords import is_weak_password
from tests.factories import id_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("12812345678", None),  # second digit must be 3-9
        ("1381234567", None),
        ("138123456789", None),
        ("02812345678", None),  # a landline
        ("", None),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalise_phone(raw) == expected


def test_id_number_accepts_standard_example():
    # The worked example of GB 11643-1999, whose check character is X.
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "110105194913310028",  # month 13
        "110105194902300021",  # 30 February
        "010105194912310021",  # region cannot start with 0
        "11010518991231002X",  # born before 1900
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_id_number_rejects_invalid(raw):
    assert normalise_id_number(raw) is None


def test_id_number_rejects_future_birth_date():
    number = id_number(1, birth="20300101")

    assert normalise_id_number(number, today=date(2026, 12, 4)) is None


def test_generated_id_numbers_are_valid():
    for serial in range(50):
        assert normalise_id_number(id_number(serial)) is not None


@pytest.mark.parametrize(
    ("password", "weak"),
    [("short1", True), ("onlyletters", True), ("1234567890", True), ("password1", True),
     ("Courier2026ok", False), ("x13812345678y", True)],
)
def test_password_strength(password, weak):
    assert is_weak_password(password, phone="13812345678") is weak


@pytest.mark.parametrize(("raw", "expected"), [("  张三 ", "张三"), ("张", None), ("Li 4", None), ("欧阳娜娜", "欧阳娜娜")])
def test_real_name_rules(raw, expected):
    assert normalise_real_name(raw) == expected
