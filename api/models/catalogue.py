"""Per-jurisdiction catalogue: departments, communities, categories and grants."""

from enum import Enum

from tortoise import fields

from api.models.base import TimestampedModel


class DepartmentKind(str, Enum):
    TRAFFIC_POLICE = "TRAFFIC_POLICE"
    URBAN_MANAGEMENT = "URBAN_MANAGEMENT"
    POLICE_STATION = "POLICE_STATION"
    FOOD_DRUG_SUPERVISION = "FOOD_DRUG_SUPERVISION"
    COMMUNITY_HEALTH = "COMMUNITY_HEALTH"
    HOSPITAL_EMERGENCY = "HOSPITAL_EMERGENCY"
    COMMUNITY = "COMMUNITY"
    OTHER = "OTHER"


class Department(TimestampedModel):
    id = fields.IntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="departments")
    code = fields.CharField(max_length=64)
    kind = fields.CharEnumField(DepartmentKind, max_length=32)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "department"
        unique_together = (("jurisdiction_id", "code"),)


class Community(TimestampedModel):
    """A neighbourhood community (社区) with its boundary as a GeoJSON geometry in WGS-84."""

    id = fields.IntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="communities")
    code = fields.CharField(max_length=64)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    boundary = fields.JSONField(null=True)
    # The community's own department, which receives reports located inside it.
    department = fields.OneToOneField(
        "models.Department", related_name="community", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)

    class Meta:
        table = "community"
        unique_together = (("jurisdiction_id", "code"),)


class Priority(str, Enum):
    EMERGENCY = "EMERGENCY"
    NORMAL = "NORMAL"


class Category(TimestampedModel):
    """A kind of problem couriers report, edited by the back office as data."""

    id = fields.IntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="categories")
    code = fields.CharField(max_length=64)
    name_zh = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128)
    group = fields.CharField(max_length=64)
    # Component (部件) or event (事件) code of GB/T 30428 digital urban management, if one fits.
    gb_code = fields.CharField(max_length=16, null=True)
    # Integer points (1 point = 1 yuan) awarded when a report is verified.
    points = fields.IntField()
    priority = fields.CharEnumField(Priority, max_length=16, default=Priority.NORMAL)
    response_minutes = fields.IntField()
    # Private categories (vice and drug tips) are never shown to communities.
    private = fields.BooleanField(default=False)
    duplicate_radius_m = fields.IntField(default=50)
    # Number the courier is told to call at once for emergencies: 120 (medical) or 110 (danger).
    emergency_call = fields.CharField(max_length=8, null=True)
    # The catch-all "other" (其它) category: free text, classified by a person.
    is_other = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "category"
        unique_together = (("jurisdiction_id", "code"),)


class Grant(TimestampedModel):
    """A department handles a category: it receives and may act on those reports."""

    id = fields.IntField(primary_key=True)
    department = fields.ForeignKeyField("models.Department", related_name="grants")
    category = fields.ForeignKeyField("models.Category", related_name="grants")

    class Meta:
        table = "category_grant"
        unique_together = (("department_id", "category_id"),)
