"""User-facing messages of the request checks, rate limits and integrator endpoints."""

from api.i18n import register_messages

register_messages(
    {
        "REQUEST_TOO_LARGE": (
            "请求内容过大，最多{max_bytes}字节。",
            "The request body is too large; the maximum is {max_bytes} bytes.",
        ),
        "CONTENT_TYPE_UNSUPPORTED": (
            "GraphQL 请求须以 POST 方式发送，Content-Type 为 application/json。",
            "Send GraphQL requests by POST with Content-Type application/json.",
        ),
        "GET_OPERATION_REJECTED": (
            "不接受以 GET 方式发送的 GraphQL 操作，请改用 POST 和 application/json。",
            "GraphQL operations sent by GET are rejected; use POST with application/json.",
        ),
        "INTEGRATOR_NAME_INVALID": ("请填写1至100个字的客户端名称。", "Enter a client name of 1 to 100 characters."),
        "INTEGRATOR_SCOPES_REQUIRED": ("请至少选择一项权限。", "Choose at least one scope."),
        "INTEGRATOR_CATEGORIES_REQUIRED": (
            "读取上报的权限须至少指定一个类别。",
            "The reports:read scope needs at least one category.",
        ),
        "INTEGRATOR_CATEGORY_UNKNOWN": ("未知的类别，或该类别不属于本街道。", "Unknown category, or it belongs to another street office."),
        "INTEGRATOR_CLIENT_REVOKED": ("该客户端已被吊销。", "This client is revoked."),
        "API_KEY_INVALID": ("API 密钥无效或已吊销。", "The API key is invalid or revoked."),
    }
)
