"""User-facing messages in Simplified Chinese (default) and English.

Every message has a stable key; callers pass the key and parameters, and the
language is chosen per request from Accept-Language.
"""

from __future__ import annotations

from enum import Enum


class Language(str, Enum):
    ZH = "zh"
    EN = "en"


def parse_accept_language(header: str | None) -> Language:
    """Pick zh or en from an Accept-Language header, honouring q-values; zh by default."""
    if not header:
        return Language.ZH
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality >= 0:
            break
        if tag.startswith("zh"):
            return Language.ZH
        if tag.startswith("en"):
            return Language.EN
    return Language.ZH


MESSAGES: dict[str, tuple[str, str]] = {
    # Generic error codes.
    "UNAUTHENTICATED": ("请先登录。", "Please log in first."),
    "TOKEN_EXPIRED": ("登录已过期，请重新登录。", "Your session has expired; please log in again."),
    "TOKEN_INVALID": ("登录凭证无效，请重新登录。", "The access token is invalid; please log in again."),
    "TOKEN_REVOKED": ("登录凭证已失效，请重新登录。", "The access token was revoked; please log in again."),
    "CLIENT_TOKEN_NOT_ACCEPTED": (
        "集成方令牌只能用于 Open311 接口（/open311/v2/），不能访问 GraphQL 接口。",
        "Integrator client tokens work only with the Open311 endpoints (/open311/v2/), not with GraphQL.",
    ),
    "FORBIDDEN": ("您没有执行此操作的权限。", "You are not allowed to do this."),
    "NOT_FOUND": ("未找到该记录。", "Not found."),
    "BAD_USER_INPUT": ("输入有误，请检查后重试。", "The input is invalid; check it and try again."),
    "CONFLICT": ("操作与当前状态冲突。", "The request conflicts with the current state."),
    "RATE_LIMITED": (
        "尝试次数过多，请{retry_after}秒后再试。",
        "Too many attempts; try again in {retry_after} seconds.",
    ),
    "INTERNAL": (
        "服务器内部错误，请稍后再试（请求编号 {request_id}）。",
        "Internal server error; try again later (request id {request_id}).",
    ),
    # Identity.
    "PHONE_INVALID": (
        "手机号格式不正确，请输入11位中国大陆手机号。",
        "The phone number is invalid; enter an 11-digit mainland China mobile number.",
    ),
    "PHONE_TAKEN": ("该手机号已注册。", "This phone number is already registered."),
    "ID_NUMBER_INVALID": (
        "身份证号码无效，请核对18位号码及校验位。",
        "The resident ID number is invalid; check the 18 digits and the check digit.",
    ),
    "ID_NUMBER_TAKEN": ("该身份证号码已注册。", "This resident ID number is already registered."),
    "NAME_INVALID": ("请填写2至30个字的真实姓名。", "Enter your real name, 2 to 30 characters."),
    "PASSWORD_WEAK": (
        "密码太弱：至少8位，且同时包含字母和数字，不能与手机号相同。",
        "The password is too weak: use at least 8 characters with letters and digits, not your phone number.",
    ),
    "COMPANY_UNKNOWN": ("未知的配送公司。", "Unknown delivery company."),
    "JURISDICTION_UNKNOWN": ("未知的街道。", "Unknown street office (jurisdiction)."),
    "DEPARTMENT_UNKNOWN": ("未知的部门。", "Unknown department."),
    "COMMUNITY_UNKNOWN": ("未知的社区。", "Unknown community."),
    "USERNAME_INVALID": (
        "用户名须为3至64位字母、数字、点、下划线或短横线。",
        "The username must be 3 to 64 letters, digits, dots, underscores or hyphens.",
    ),
    "USERNAME_TAKEN": ("该用户名已被使用。", "This username is already taken."),
    "LOGIN_FAILED": ("账号或密码错误。", "The account or password is incorrect."),
    "ACCOUNT_DISABLED": ("该账号已被停用，请联系街道后台。", "This account is disabled; contact the street office."),
    "ACCOUNT_REJECTED": ("该账号的注册申请未获批准。", "The registration of this account was not approved."),
    "COURIER_NOT_ACTIVE": (
        "您的账号尚未通过审核，暂不能上报。",
        "Your account has not been approved yet, so you cannot report.",
    ),
    "REFRESH_TOKEN_INVALID": ("刷新凭证无效或已过期，请重新登录。", "The refresh token is invalid or expired; log in again."),
    "REFRESH_TOKEN_REUSED": (
        "刷新凭证已被使用过，为安全起见已退出该账号的所有登录，请重新登录。",
        "The refresh token was already used; for safety every session of this account was ended. Log in again.",
    ),
    "STATUS_TRANSITION_INVALID": (
        "当前状态下不能执行此操作。",
        "This action is not allowed in the current state.",
    ),
    "ROLE_INVALID": ("该角色不能通过此方式创建。", "This role cannot be created this way."),
    "FIELD_REQUIRED": ("此项为必填项。", "This field is required."),
}


def translate(key: str, language: Language, **params: object) -> str:
    zh, en = MESSAGES.get(key, MESSAGES["BAD_USER_INPUT"])
    template = en if language is Language.EN else zh
    return template.format(**params) if params else template


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add a domain's messages; a key may be defined only once."""
    duplicated = set(messages) & set(MESSAGES)
    if duplicated:
        raise ValueError(f"message keys defined twice: {sorted(duplicated)}")
    MESSAGES.update(messages)
