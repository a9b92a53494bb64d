"""Pass codes without a database: layout, signature checks, QR size and the production key guard."""

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.config import ConfigurationError, Settings
from api.models.passes import PassVerificationResult as Result
from api.passes import codes, qr
from api.passes.keys import key_id_of

ISSUED_AT = datetime(2026, 3, 7, 8, 0, 0, tzinfo=timezone.utc)


def make_claims(key: Ed25519PrivateKey, **overrides) -> codes.PassClaims:
    values = dict(
        key_id=key_id_of(key.public_key()),
        pass_id="0123456789abcdef",
        courier_id=uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        jurisdiction_id=1,
        account_version=2,
        generation=3,
        issued_at=ISSUED_AT,
        expires_at=ISSUED_AT + timedelta(minutes=5),
    )
    values.update(overrides)
    return codes.PassClaims(**values)


def keys_of(key: Ed25519PrivateKey) -> dict:
    return {key_id_of(key.public_key()): key.public_key()}


def flip_bit(code: str, byte_index: int) -> str:
    body = code[len(codes.CODE_PREFIX):]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    raw[byte_index] ^= 0x01
    return codes.CODE_PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_code_round_trip():
    key = Ed25519PrivateKey.generate()
    claims = make_claims(key)

    code = codes.encode(claims, key)

    assert codes.decode(code, keys_of(key)) == claims


def test_code_is_compact_and_qr_alphanumeric():
    key = Ed25519PrivateKey.generate()

    code = codes.encode(make_claims(key), key)
    symbol = segno.make_qr(code, error=qr.ERROR_CORRECTION, boost_error=False)

    assert len(code) == 185
    assert code.startswith("FXP:")
    assert symbol.mode == "alphanumeric"
    assert symbol.designator == "8-M"


def test_code_read_in_lower_case_with_spaces():
    key = Ed25519PrivateKey.generate()
    claims = make_claims(key)

    code = codes.encode(claims, key)

    assert codes.decode(f"  {code.lower()}\n", keys_of(key)) == claims


@pytest.mark.parametrize("byte_index", [1, 5, 13, 29, 33, 37, 41, 45, 60, 112])
def test_tampered_code_has_bad_signature(byte_index):
    key = Ed25519PrivateKey.generate()
    code = codes.encode(make_claims(key), key)

    with pytest.raises(codes.PassCodeRejected) as rejected:
        codes.decode(flip_bit(code, byte_index), keys_of(key))

    assert rejected.value.result is Result.BAD_SIGNATURE


def test_code_signed_by_other_key_has_bad_signature():
    real = Ed25519PrivateKey.generate()
    forger = Ed25519PrivateKey.generate()
    # The forger claims the real key id but can only sign with their own key.
    code = codes.encode(make_claims(real), forger)

    with pytest.raises(codes.PassCodeRejected) as rejected:
        codes.decode(code, keys_of(real))

    assert rejected.value.result is Result.BAD_SIGNATURE


def test_unknown_key_id_has_bad_signature():
    key = Ed25519PrivateKey.generate()
    code = codes.encode(make_claims(key), key)

    with pytest.raises(codes.PassCodeRejected) as rejected:
        codes.decode(code, keys_of(Ed25519PrivateKey.generate()))

    assert rejected.value.result is Result.BAD_SIGNATURE


def test_other_format_version_is_malformed():
    key = Ed25519PrivateKey.generate()
    code = codes.encode(make_claims(key), key)

    with pytest.raises(codes.PassCodeRejected) as rejected:
        codes.decode(flip_bit(code, 0), keys_of(key))

    assert rejected.value.result is Result.MALFORMED


@pytest.mark.parametrize(
    "text",
    ["", "hello", "FXP:", "FXP:!!!!", "FXP:" + "A" * 40, "XYZ:" + "A" * 181, "FXP:" + "A" * 400,
     "https://example.invalid/pass"],
)
def test_malformed_codes(text):
    key = Ed25519PrivateKey.generate()

    with pytest.raises(codes.PassCodeRejected) as rejected:
        codes.decode(text, keys_of(key))

    assert rejected.value.result is Result.MALFORMED


def test_production_refuses_missing_pass_key():
    settings = Settings(environment="production", jwt_private_key="pem", data_encryption_key="x" * 44,
                        data_hash_key="y" * 40, database_url="postgres://db/fxx", pass_signing_key="")

    with pytest.raises(ConfigurationError, match="FXX_PASS_SIGNING_KEY"):
        settings.check_secrets()


def test_production_never_generates_pass_key(tmp_path):
    from api.passes.keys import signing_key

    settings = Settings(environment="production", var_dir=tmp_path, pass_signing_key="")

    with pytest.raises(ConfigurationError, match="FXX_PASS_SIGNING_KEY"):
        signing_key(settings)
    assert list(tmp_path.iterdir()) == []


def test_pass_key_must_be_ed25519():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from api.passes.keys import signing_key

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    with pytest.raises(ConfigurationError, match="Ed25519"):
        signing_key(Settings(environment="development", pass_signing_key=pem))


def test_development_pass_key_is_generated_once(tmp_path):
    from api.passes.keys import DEVELOPMENT_KEY_FILE, signing_key

    settings = Settings(environment="development", var_dir=tmp_path, pass_signing_key="")

    first = signing_key(settings)
    second = signing_key(settings)

    assert first.key_id == second.key_id
    assert (tmp_path / DEVELOPMENT_KEY_FILE).stat().st_mode & 0o777 == 0o600
