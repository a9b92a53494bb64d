"""Messages of the report and catalogue domains, and the reply a courier reads after submitting."""

from __future__ import annotations

from api.i18n import Language, register_messages, translate
from api.models.catalogue import Category, Department, Priority

register_messages(
    {
        # Submission input.
        "CATEGORY_UNKNOWN": ("未知或已停用的问题类别。", "Unknown or inactive category."),
        "OTHER_TEXT_REQUIRED": (
            "选择“其它”时请简要说明问题类型。",
            "Describe the kind of problem when you choose \"Other\".",
        ),
        "OTHER_TEXT_TOO_LONG": ("问题类型说明不能超过{max}个字。", "The kind of problem must be at most {max} characters."),
        "DESCRIPTION_TOO_LONG": ("问题描述不能超过{max}个字。", "The description must be at most {max} characters."),
        "ADDRESS_TOO_LONG": ("地址不能超过{max}个字。", "The address must be at most {max} characters."),
        "COORDINATES_INVALID": (
            "位置坐标无效：纬度须在-90到90之间，经度须在-180到180之间。",
            "The location is invalid: latitude must be -90 to 90 and longitude -180 to 180.",
        ),
        "LOCATION_NO_FIX": (
            "没有获取到定位（坐标为0,0），请打开手机定位后重试。",
            "No location fix was received (the point is 0,0); turn on the phone's location and try again.",
        ),
        "ACCURACY_INVALID": (
            "定位精度须为0到{max}米之间的数值。",
            "The location accuracy must be a number of metres from 0 to {max}.",
        ),
        "IDEMPOTENCY_KEY_INVALID": (
            "请求编号须为8至128位字母、数字、短横线或下划线。",
            "The idempotency key must be 8 to 128 letters, digits, hyphens or underscores.",
        ),
        "IDEMPOTENCY_KEY_REUSED": (
            "该请求编号已用于另一条不同的上报，请为新的上报生成新的编号。",
            "This idempotency key was already used for a different report; generate a new key for a new report.",
        ),
        # Department and admin actions.
        "COMMENT_REQUIRED": ("请填写说明。", "A comment is required."),
        "COMMENT_TOO_LONG": ("说明不能超过{max}个字。", "The comment must be at most {max} characters."),
        "REPORT_NOT_ACTIONABLE": (
            "只有负责该类别的部门可以处理此上报。",
            "Only a department that handles this category can act on this report.",
        ),
        "CATEGORY_NOT_ROUTABLE": (
            "该类别没有负责部门，请先在类别授权中指定部门。",
            "No department handles this category; grant it to a department first.",
        ),
        "CATEGORY_UNCHANGED": ("新类别与当前类别相同。", "The new category is the same as the current one."),
        "DUPLICATE_LINK_UNKNOWN": ("未找到该疑似重复关联。", "Possible-duplicate link not found."),
        "DUPLICATE_LINK_DECIDED": ("该疑似重复关联已处理。", "This possible-duplicate link was already decided."),
        "CURSOR_INVALID": ("分页游标无效。", "The pagination cursor is invalid."),
        "PAGE_SIZE_INVALID": ("每页数量须在1到{max}之间。", "The page size must be from 1 to {max}."),
        "TIME_RANGE_INVALID": ("时间范围的开始须早于结束。", "The start of the time range must be before its end."),
        # Replies to the courier.
        "REPORT_ROUTED": (
            "丰行侠你好，你反映的问题已交由{departments}处理，核实后可获积分{points}分。",
            "Hello, Fengxingxia! Your report was handed to {departments}; "
            "you will earn {points} points once it is verified.",
        ),
        "REPORT_IN_TRIAGE": (
            "丰行侠你好，你反映的问题已收到，街道后台将尽快分派处理。",
            "Hello, Fengxingxia! Your report was received; the street office will assign it shortly.",
        ),
        "EMERGENCY_CALL_120": (
            "情况紧急，请立即拨打120急救电话！",
            "This is an emergency: call 120 for an ambulance now!",
        ),
        "EMERGENCY_CALL_110": (
            "有人身危险，请立即拨打110报警电话！",
            "People are in danger: call 110 for the police now!",
        ),
        "EMERGENCY_CALL_OTHER": ("情况紧急，请立即拨打{number}！", "This is an emergency: call {number} now!"),
    }
)


def routed_reply(language: Language, category: Category, departments: list[Department]) -> str:
    """The courier's confirmation: where the report went, or that the street office will assign it."""
    if not departments:
        return translate("REPORT_IN_TRIAGE", language)
    separator = ", " if language is Language.EN else "、"
    names = separator.join(d.name_en if language is Language.EN else d.name_zh for d in departments)
    return translate("REPORT_ROUTED", language, departments=names, points=category.points)


def emergency_reply(language: Language, category: Category) -> str | None:
    """For EMERGENCY categories, the instruction to call 120 or 110 at once."""
    if category.priority is not Priority.EMERGENCY or not category.emergency_call:
        return None
    if category.emergency_call in ("120", "110"):
        return translate(f"EMERGENCY_CALL_{category.emergency_call}", language)
    return translate("EMERGENCY_CALL_OTHER", language, number=category.emergency_call)
