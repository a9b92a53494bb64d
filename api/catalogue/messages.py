"""Messages of catalogue editing."""

from api.i18n import register_messages

register_messages(
    {
        "CATALOGUE_CODE_INVALID": (
            "编码须为2至64位小写字母、数字或短横线，并以字母或数字开头。",
            "The code must be 2 to 64 lowercase letters, digits or hyphens, starting with a letter or digit.",
        ),
        "CATALOGUE_CODE_TAKEN": ("该编码已被使用。", "This code is already in use."),
        "CATALOGUE_NAME_INVALID": ("名称须为1至{max}个字。", "The name must be 1 to {max} characters."),
        "CATEGORY_GROUP_INVALID": ("分组须为1至{max}个字。", "The group must be 1 to {max} characters."),
        "CATEGORY_GB_CODE_INVALID": (
            "GB/T 30428 编码须为1至16位数字。",
            "The GB/T 30428 code must be 1 to 16 digits.",
        ),
        "CATEGORY_POINTS_INVALID": ("积分须为0到{max}之间的整数。", "Points must be a whole number from 0 to {max}."),
        "CATEGORY_RESPONSE_MINUTES_INVALID": (
            "响应时限须为1到{max}分钟。",
            "The response time limit must be 1 to {max} minutes.",
        ),
        "CATEGORY_RADIUS_INVALID": (
            "疑似重复的搜索半径须为0到{max}米。",
            "The duplicate search radius must be 0 to {max} metres.",
        ),
        "CATEGORY_EMERGENCY_CALL_INVALID": (
            "紧急类别须填写求助电话（如120或110），且只能是3至8位数字。",
            "An emergency category needs a call number (such as 120 or 110) of 3 to 8 digits.",
        ),
        "CATEGORY_OTHER_EXISTS": (
            "本街道已有“其它”类别。",
            "This jurisdiction already has an \"Other\" category.",
        ),
        "DEPARTMENT_KIND_INVALID": (
            "社区部门随社区一起创建，请改用创建社区。",
            "Community departments are created with their community; create a community instead.",
        ),
        "BOUNDARY_INVALID": (
            "社区边界须为有效的 GeoJSON 多边形（经纬度，WGS-84）。",
            "The boundary must be a valid GeoJSON Polygon or MultiPolygon in WGS-84 longitude and latitude.",
        ),
        "GRANT_EXISTS": ("该部门已负责此类别。", "This department already handles this category."),
        "GRANT_UNKNOWN": ("该部门并不负责此类别。", "This department does not handle this category."),
    }
)
