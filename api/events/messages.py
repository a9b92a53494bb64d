"""User-facing messages of events, subscriptions and emergency acknowledgements."""

from api.i18n import register_messages

register_messages(
    {
        "EVENT_CURSOR_INVALID": (
            "事件游标无效，请使用之前收到的事件的 cursor。",
            "The event cursor is invalid; pass the cursor of an event you received.",
        ),
        "SUBSCRIPTION_LAGGING": (
            "订阅接收过慢，已停止，请用最后收到的 cursor 重新订阅。",
            "The subscription fell behind and was stopped; subscribe again with the last cursor you received.",
        ),
        "REPORT_NOT_EMERGENCY": ("该上报不是紧急类别，无需确认出车。", "This report is not an emergency, so it cannot be acknowledged."),
        "EMERGENCY_ALREADY_ACKNOWLEDGED": (
            "本部门已确认过该紧急上报。",
            "Your department has already acknowledged this emergency.",
        ),
        "ETA_MINUTES_INVALID": (
            "预计到达时间须为1至240分钟的整数。",
            "The ETA must be a whole number of minutes from 1 to 240.",
        ),
        "STATISTICS_PERIOD_INVALID": (
            "统计时间段无效：开始时间须早于结束时间，且不超过366天。",
            "The statistics period is invalid: the start must be before the end, at most 366 days apart.",
        ),
    }
)
