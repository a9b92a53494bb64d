"""User-facing messages of webhook management."""

from api.i18n import register_messages

register_messages(
    {
        "WEBHOOK_URL_INVALID": (
            "回调地址无效，请填写完整的 https:// 地址，且不要包含用户名或密码。",
            "The webhook URL is invalid; enter a full https:// URL without a user name or password.",
        ),
        "WEBHOOK_URL_HTTPS_REQUIRED": ("回调地址必须使用 https。", "The webhook URL must use https."),
        "WEBHOOK_URL_NOT_PUBLIC": (
            "回调地址指向内网、本机、链路本地或元数据地址，除非已列入允许名单，否则不予接受。",
            "The webhook URL points at a private, loopback, link-local or metadata address, "
            "which is refused unless the allow-list names it.",
        ),
        "WEBHOOK_EVENT_KINDS_INVALID": (
            "请至少选择一种有效的事件类型。",
            "Choose at least one valid event kind.",
        ),
        "WEBHOOK_DESCRIPTION_TOO_LONG": ("说明不能超过200个字。", "The description must be at most 200 characters."),
        "WEBHOOK_DELIVERY_NOT_REPLAYABLE": (
            "该投递仍在进行中，无需重放。",
            "This delivery is still pending, so it cannot be replayed.",
        ),
    }
)
