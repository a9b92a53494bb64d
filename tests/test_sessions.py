"""Login, tokens, refresh rotation, logout and suspension, on both databases."""

import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth.tokens import ALGORITHM, signing_key
from api.config import get_settings
from api.models.identity import RefreshToken, User
from tests import factories
from tests.factories import LOGIN, PASSWORD

ME = "{ me { id role status phoneMasked } }"
REFRESH = """
mutation($token: String!) {
  tokenRefresh(refreshToken: $token) { tokens { accessToken refreshToken } errors { field code message } }
}
"""


async def test_login_then_me(client, catalogue):
    courier = await factories.active_courier(client, phone="13912340000")

    result = await client.execute(ME, token=courier.access_token)

    assert result.data["me"] == {"id": courier.user_id, "role": "COURIER", "status": "ACTIVE", "phoneMasked": "139****0000"}


async def test_me_never_returns_id_number(client, catalogue):
    result = await client.execute("{ me { idNumber } }")

    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_account_and_wrong_password_look_the_same(client, catalogue):
    await factories.active_courier(client, phone="13912340001")

    wrong_password = await client.execute(LOGIN, {"account": "13912340001", "password": "Wrong2026pw"})
    unknown = await client.execute(LOGIN, {"account": "13912349999", "password": "Wrong2026pw"})

    assert wrong_password.errors[0]["message"] == unknown.errors[0]["message"] == "账号或密码错误。"
    assert wrong_password.error_reason == unknown.error_reason == "LOGIN_FAILED"


async def test_repeated_failures_are_rate_limited(client, catalogue):
    await factories.active_courier(client, phone="13912340002")
    limit = get_settings().login_max_failures

    for _ in range(limit):
        await client.execute(LOGIN, {"account": "13912340002", "password": "Wrong2026pw"})
    blocked = await client.execute(LOGIN, {"account": "13912340002", "password": PASSWORD}, language="en")

    assert blocked.error_code == "RATE_LIMITED"
    assert blocked.errors[0]["extensions"]["retryAfter"] > 0
    assert int(blocked.headers["retry-after"]) == blocked.errors[0]["extensions"]["retryAfter"]
    assert "Too many attempts" in blocked.errors[0]["message"]


async def test_pending_courier_can_log_in_and_see_status(client, catalogue):
    await client.execute(factories.REGISTER, {"input": factories.courier_input(phone="13912340003")})

    session = await factories.login(client, "13912340003")
    result = await client.execute(ME, token=session.access_token)

    assert result.data["me"]["status"] == "PENDING"


async def test_refresh_rotates_and_reuse_revokes_family(client, catalogue):
    courier = await factories.active_courier(client)

    first = await client.execute(REFRESH, {"token": courier.refresh_token})
    new_refresh = first.data["tokenRefresh"]["tokens"]["refreshToken"]
    other_device = await factories.login(client, courier.login)
    reused = await client.execute(REFRESH, {"token": courier.refresh_token})
    after_reuse = await client.execute(REFRESH, {"token": new_refresh})
    old_access = await client.execute(ME, token=courier.access_token)
    other_access = await client.execute(ME, token=other_device.access_token)

    assert new_refresh != courier.refresh_token
    assert [e["code"] for e in reused.data["tokenRefresh"]["errors"]] == ["REFRESH_TOKEN_REUSED"]
    assert [e["code"] for e in after_reuse.data["tokenRefresh"]["errors"]] == ["REFRESH_TOKEN_INVALID"]
    assert await RefreshToken.filter(revoked_at=None).count() == 0
    assert old_access.error_reason == "TOKEN_REVOKED"
    assert other_access.error_reason == "TOKEN_REVOKED"


async def test_refresh_with_unknown_token(client, catalogue):
    result = await client.execute(REFRESH, {"token": "not-a-token"})

    assert [e["code"] for e in result.data["tokenRefresh"]["errors"]] == ["REFRESH_TOKEN_INVALID"]
    assert result.data["tokenRefresh"]["tokens"] is None


async def test_logout_ends_the_session(client, catalogue):
    courier = await factories.active_courier(client)

    await client.execute("mutation($t: String!) { tokenRevoke(refreshToken: $t) { ok } }", {"t": courier.refresh_token})
    result = await client.execute(REFRESH, {"token": courier.refresh_token})

    assert [e["code"] for e in result.data["tokenRefresh"]["errors"]] == ["REFRESH_TOKEN_INVALID"]


async def test_logout_everywhere_revokes_access_tokens(client, catalogue):
    courier = await factories.active_courier(client)
    second = await factories.login(client, courier.login)

    await client.execute("mutation { tokensRevokeAll { ok } }", token=courier.access_token)
    result = await client.execute(ME, token=second.access_token)

    assert result.error_code == "UNAUTHENTICATED"
    assert result.error_reason == "TOKEN_REVOKED"


async def test_suspension_cuts_access_immediately(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)

    await client.execute(
        "mutation($id: ID!) { userSuspend(userId: $id, reason: \"fraud\") { account { status } } }",
        {"id": courier.user_id}, token=admin.access_token,
    )
    me = await client.execute(ME, token=courier.access_token)
    refreshed = await client.execute(REFRESH, {"token": courier.refresh_token})
    login = await client.execute(LOGIN, {"account": courier.login, "password": PASSWORD})

    assert me.error_code == "UNAUTHENTICATED"
    assert [e["code"] for e in refreshed.data["tokenRefresh"]["errors"]] == ["REFRESH_TOKEN_INVALID"]
    assert login.error_reason == "ACCOUNT_DISABLED"


def _claims(user_id: str, **overrides):
    settings = get_settings()
    now = datetime.now(timezone.utc)
    claims = {
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": user_id,
        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": uuid.uuid4().hex, "role": "COURIER", "jur": 1, "ver": 0, "scope": "", "dept": None,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not ...}


def _sign(claims, key=None, headers=None):
    key = key or signing_key().private_key
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=headers or {"kid": signing_key().key_id})


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "TOKEN_EXPIRED"),
        ("forged", "TOKEN_INVALID"),
        ("alg_none", "TOKEN_INVALID"),
        ("hs256_with_public_key", "TOKEN_INVALID"),
        ("wrong_audience", "TOKEN_INVALID"),
        ("wrong_issuer", "TOKEN_INVALID"),
        ("missing_jti", "TOKEN_INVALID"),
        ("wrong_kid", "TOKEN_INVALID"),
        ("garbage", "TOKEN_INVALID"),
        ("stale_version", "TOKEN_REVOKED"),
    ],
)
async def test_bad_access_tokens_are_rejected(client, catalogue, case, reason):
    courier = await factories.active_courier(client)
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    tokens = {
        "expired": lambda: _sign(_claims(courier.user_id, iat=int(past.timestamp()), exp=int(past.timestamp()) + 60)),
        "forged": lambda: _sign(_claims(courier.user_id), key=Ed25519PrivateKey.generate()),
        "alg_none": lambda: jwt.encode(_claims(courier.user_id), None, algorithm="none", headers={"kid": signing_key().key_id}),
        "hs256_with_public_key": lambda: jwt.encode(
            _claims(courier.user_id), "shared-secret-guess", algorithm="HS256", headers={"kid": signing_key().key_id}
        ),
        "wrong_audience": lambda: _sign(_claims(courier.user_id, aud="someone-else")),
        "wrong_issuer": lambda: _sign(_claims(courier.user_id, iss="evil")),
        "missing_jti": lambda: _sign(_claims(courier.user_id, jti=...)),
        "wrong_kid": lambda: _sign(_claims(courier.user_id), headers={"kid": "other"}),
        "garbage": lambda: "not.a.jwt",
        "stale_version": lambda: _sign(_claims(courier.user_id, ver=7)),
    }

    result = await client.execute(ME, token=tokens[case](), language="en")

    assert result.error_code == "UNAUTHENTICATED"
    assert result.error_reason == reason
    assert result.errors[0]["message"]
    assert await User.filter(id=courier.user_id).count() == 1


async def test_token_header_carries_key_id_and_claims(client, catalogue):
    courier = await factories.active_courier(client)

    header = jwt.get_unverified_header(courier.access_token)
    claims = jwt.decode(courier.access_token, options={"verify_signature": False})

    assert header["alg"] == "EdDSA"
    assert header["kid"] == signing_key().key_id
    assert {"iss", "aud", "sub", "exp", "iat", "jti", "role", "scope"} <= set(claims)
    assert claims["exp"] - claims["iat"] == get_settings().access_token_minutes * 60


async def test_retired_signing_key_still_verifies(client, catalogue, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    from api.auth import tokens

    courier = await factories.active_courier(client)
    settings = get_settings()
    old_pem = settings.jwt_private_key
    old_public = signing_key().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    new_pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    monkeypatch.setattr(settings, "jwt_private_key", new_pem)
    monkeypatch.setattr(settings, "jwt_previous_public_keys", [old_public])
    old_token_works = await client.execute(ME, token=courier.access_token)
    fresh = await factories.login(client, courier.login)
    jwks = (await client.http.get("/.well-known/jwks.json")).json()
    monkeypatch.setattr(settings, "jwt_previous_public_keys", [])
    old_token_retired = await client.execute(ME, token=courier.access_token)

    assert old_token_works.data["me"]["id"] == courier.user_id
    assert jwt.get_unverified_header(fresh.access_token)["kid"] == tokens.signing_key().key_id
    assert [key["kid"] for key in jwks["keys"]] == [tokens.signing_key().key_id, tokens.derived_key_id(
        serialization.load_pem_private_key(old_pem.encode(), None).public_key())]
    assert old_token_retired.error_reason == "TOKEN_INVALID"
