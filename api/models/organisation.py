"""Street offices (jurisdictions) and delivery companies."""

from tortoise import fields

from api.models.base import TimestampedModel


class Jurisdiction(TimestampedModel):
    """A street office (街道). Every record that belongs to one points here."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")

    class Meta:
        table = "jurisdiction"


class Company(TimestampedModel):
    """A delivery company that couriers work for, shared by all jurisdictions."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "company"
