"""Accounts, courier profiles and refresh tokens."""

from enum import Enum

from tortoise import fields

from api.models.base import TimestampedModel


class Role(str, Enum):
    COURIER = "COURIER"
    DEPARTMENT_STAFF = "DEPARTMENT_STAFF"
    ADMIN = "ADMIN"
    GATEKEEPER = "GATEKEEPER"


class UserStatus(str, Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REJECTED = "REJECTED"


class User(TimestampedModel):
    """Any account: courier, department staff, admin or gatekeeper.

    Couriers log in with their phone number, staff with a username.
    """

    id = fields.UUIDField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="users")
    role = fields.CharEnumField(Role, max_length=32)
    status = fields.CharEnumField(UserStatus, max_length=16, default=UserStatus.PENDING)
    real_name = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=16, null=True, unique=True)
    username = fields.CharField(max_length=64, null=True, unique=True)
    password_hash = fields.CharField(max_length=255)
    # Bumped by "log out everywhere" and suspension; access tokens carry it.
    token_version = fields.IntField(default=0)
    department = fields.ForeignKeyField(
        "models.Department", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    communities = fields.ManyToManyField(
        "models.Community", related_name="gatekeepers", through="user_community"
    )
    approved_at = fields.DatetimeField(null=True)
    approved_by = fields.ForeignKeyField(
        "models.User", related_name="approved_users", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "app_user"
        indexes = (("jurisdiction_id", "role", "status"),)


class CourierProfile(TimestampedModel):
    """Real-name details of a courier. The resident ID number is stored encrypted."""

    id = fields.IntField(primary_key=True)
    # NOTE: a one-to-one primary key makes Tortoise 1.1's autodetector report a change on every run.
    user = fields.OneToOneField("models.User", related_name="courier")
    company = fields.ForeignKeyField("models.Company", related_name="couriers")
    id_number_encrypted = fields.TextField()
    # HMAC-SHA256 of the normalised ID number, so uniqueness holds without decryption.
    id_number_hash = fields.CharField(max_length=64, unique=True)
    # Last four characters, for display to admins without a decryption.
    id_number_last4 = fields.CharField(max_length=4)

    class Meta:
        table = "courier_profile"


class RefreshToken(TimestampedModel):
    """One opaque refresh token. A family is the chain of rotations from one login."""

    id = fields.UUIDField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="refresh_tokens")
    family_id = fields.UUIDField(db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"
