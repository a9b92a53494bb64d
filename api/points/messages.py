"""User-facing messages of the points domain, in Simplified Chinese and English."""

from api.i18n import register_messages

register_messages(
    {
        "REPORT_NOT_VERIFIABLE": (
            "只有已办结的上报才能审核发放积分。",
            "Only a resolved report can be verified and awarded points.",
        ),
        "REPORT_ALREADY_VERIFIED": ("该上报已审核，积分已发放。", "This report was already verified and awarded."),
        "REPORT_IS_DUPLICATE": ("重复上报不能获得积分。", "A duplicate report earns no points."),
        "OWN_REPORT": (
            "不能审核或处理自己上报的问题。",
            "You cannot verify or award points for your own report.",
        ),
        "AWARD_NOT_FOUND": ("该上报没有可撤销的积分。", "This report has no awarded points to revoke."),
        "AWARD_ALREADY_REVOKED": ("该上报的积分已被撤销。", "The points of this report were already revoked."),
        "REASON_REQUIRED": (
            "请填写原因（1至500个字）。",
            "Enter a reason of 1 to 500 characters.",
        ),
        "AMOUNT_INVALID": (
            "金额须为1至{maximum}之间的整数。",
            "The amount must be a whole number from 1 to {maximum}.",
        ),
        "ADJUSTMENT_AMOUNT_INVALID": (
            "调整分值须为非零整数，绝对值不超过{maximum}。",
            "The adjustment must be a non-zero whole number of at most {maximum} either way.",
        ),
        "BALANCE_INSUFFICIENT": (
            "积分余额不足：当前余额{balance}分。",
            "The balance is too low: it is {balance} points.",
        ),
        "NOTE_TOO_LONG": ("备注不能超过500个字。", "The note must be at most 500 characters."),
        "REFERENCE_REQUIRED": (
            "请填写付款凭证号（1至128个字符）。",
            "Enter the payment reference, 1 to 128 characters.",
        ),
        "REFERENCE_TAKEN": (
            "该付款凭证号已登记过，请勿重复发放。",
            "This payment reference is already recorded; the payout was not recorded twice.",
        ),
        "COURIER_UNKNOWN": ("未找到该快递小哥。", "Courier not found."),
        "PERIOD_INVALID": (
            "统计周期无效：年份须在2000至2100之间，半年须为1或2。",
            "The period is invalid: the year must be 2000 to 2100 and the half 1 or 2.",
        ),
        "DAILY_REPORT_CAP_REACHED": (
            "今天的上报次数已达上限（{limit}次），请明天再报。",
            "You reached today's limit of {limit} reports; report again tomorrow.",
        ),
        # Notifications to the courier.
        "NOTICE_POINTS_AWARDED": (
            "丰行侠你好，你反映的问题已交由{department}处理，此次积分{points}分",
            "Hello Fengxingxia hero, the problem you reported was handed to {department}. "
            "You earned {points} points this time.",
        ),
        "NOTICE_POINTS_REVOKED": (
            "丰行侠你好，你反映的问题（{category}）所得{points}积分已被撤销，原因：{reason}",
            "Hello Fengxingxia hero, the {points} points for your report ({category}) were revoked. "
            "Reason: {reason}",
        ),
        "NOTICE_POINTS_ADJUSTED": (
            "丰行侠你好，你的积分已调整{amount}分，原因：{reason}",
            "Hello Fengxingxia hero, your points were adjusted by {amount}. Reason: {reason}",
        ),
        "NOTICE_PAYOUT_RECORDED": (
            "丰行侠你好，已向你发放{amount}元（{amount}积分），付款凭证号{reference}",
            "Hello Fengxingxia hero, {amount} yuan ({amount} points) was paid to you, reference {reference}.",
        ),
        "LEADERBOARD_HALF_YEAR": ("丰行少侠", "Fengxing Young Hero (half-year top 50)"),
        "LEADERBOARD_YEAR": ("丰行大侠", "Fengxing Great Hero (annual top 50)"),
    }
)
