from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.models.catalogue import DepartmentKind, Priority
from api.models.identity import Role, UserStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Company',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name_zh', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=128)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'company', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A delivery company that couriers work for, shared by all jurisdictions.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Jurisdiction',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name_zh', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=128)),
                ('timezone', fields.CharField(default='Asia/Shanghai', max_length=64)),
            ],
            options={'table': 'jurisdiction', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A street office (街道). Every record that belongs to one points here.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Category',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('jurisdiction', fields.ForeignKeyField('models.Jurisdiction', source_field='jurisdiction_id', db_constraint=True, to_field='id', related_name='categories', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=64)),
                ('name_zh', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=128)),
                ('group', fields.CharField(max_length=64)),
                ('gb_code', fields.CharField(null=True, max_length=16)),
                ('points', fields.IntField()),
                ('priority', fields.CharEnumField(default=Priority.NORMAL, description='EMERGENCY: EMERGENCY\nNORMAL: NORMAL', enum_type=Priority, max_length=16)),
                ('response_minutes', fields.IntField()),
                ('private', fields.BooleanField(default=False)),
                ('duplicate_radius_m', fields.IntField(default=50)),
                ('emergency_call', fields.CharField(null=True, max_length=8)),
                ('is_other', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'category', 'app': 'models', 'unique_together': (('jurisdiction_id', 'code'),), 'pk_attr': 'id', 'table_description': 'A kind of problem couriers report, edited by the back office as data.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('jurisdiction', fields.ForeignKeyField('models.Jurisdiction', source_field='jurisdiction_id', db_constraint=True, to_field='id', related_name='departments', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='TRAFFIC_POLICE: TRAFFIC_POLICE\nURBAN_MANAGEMENT: URBAN_MANAGEMENT\nPOLICE_STATION: POLICE_STATION\nFOOD_DRUG_SUPERVISION: FOOD_DRUG_SUPERVISION\nCOMMUNITY_HEALTH: COMMUNITY_HEALTH\nHOSPITAL_EMERGENCY: HOSPITAL_EMERGENCY\nCOMMUNITY: COMMUNITY\nOTHER: OTHER', enum_type=DepartmentKind, max_length=32)),
                ('name_zh', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=128)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'department', 'app': 'models', 'unique_together': (('jurisdiction_id', 'code'),), 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Community',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('jurisdiction', fields.ForeignKeyField('models.Jurisdiction', source_field='jurisdiction_id', db_constraint=True, to_field='id', related_name='communities', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=64)),
                ('name_zh', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=128)),
                ('boundary', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('department', fields.OneToOneField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='community', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'community', 'app': 'models', 'unique_together': (('jurisdiction_id', 'code'),), 'pk_attr': 'id', 'table_description': 'A neighbourhood community (社区) with its boundary as a GeoJSON geometry in WGS-84.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'category_grant', 'app': 'models', 'unique_together': (('department_id', 'category_id'),), 'pk_attr': 'id', 'table_description': 'A department handles a category: it receives and may act on those reports.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('jurisdiction', fields.ForeignKeyField('models.Jurisdiction', source_field='jurisdiction_id', db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='COURIER: COURIER\nDEPARTMENT_STAFF: DEPARTMENT_STAFF\nADMIN: ADMIN\nGATEKEEPER: GATEKEEPER', enum_type=Role, max_length=32)),
                ('status', fields.CharEnumField(default=UserStatus.PENDING, description='PENDING: PENDING\nACTIVE: ACTIVE\nSUSPENDED: SUSPENDED\nREJECTED: REJECTED', enum_type=UserStatus, max_length=16)),
                ('real_name', fields.CharField(max_length=64)),
                ('phone', fields.CharField(null=True, unique=True, max_length=16)),
                ('username', fields.CharField(null=True, unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('token_version', fields.IntField(default=0)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('communities', fields.ManyToManyField('models.Community', unique=True, db_constraint=True, through='user_community', forward_key='community_id', backward_key='app_user_id', related_name='gatekeepers', on_delete=OnDelete.CASCADE)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('approved_by', fields.ForeignKeyField('models.User', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name='approved_users', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'app_user', 'app': 'models', 'indexes': [Index(fields=['jurisdiction_id', 'role', 'status'])], 'pk_attr': 'id', 'table_description': 'Any account: courier, department staff, admin or gatekeeper.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('jurisdiction', fields.ForeignKeyField('models.Jurisdiction', source_field='jurisdiction_id', db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=64)),
                ('target_type', fields.CharField(max_length=64)),
                ('target_id', fields.CharField(max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('request_id', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['jurisdiction_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CourierProfile',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='courier', on_delete=OnDelete.CASCADE)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='couriers', on_delete=OnDelete.CASCADE)),
                ('id_number_encrypted', fields.TextField(unique=False)),
                ('id_number_hash', fields.CharField(unique=True, max_length=64)),
                ('id_number_last4', fields.CharField(max_length=4)),
            ],
            options={'table': 'courier_profile', 'app': 'models', 'pk_attr': 'user_id', 'table_description': 'Real-name details of a courier. The resident ID number is stored encrypted.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='refresh_tokens', on_delete=OnDelete.CASCADE)),
                ('family_id', fields.UUIDField(db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One opaque refresh token. A family is the chain of rotations from one login.'},
            bases=['TimestampedModel'],
        ),
    ]
