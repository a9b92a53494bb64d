"""User-facing messages of the pass domain."""

from api.i18n import register_messages

register_messages({
    "PASS_VALID": ("通行证有效。", "The pass is valid."),
    "PASS_MALFORMED": ("这不是丰行侠通行证二维码。", "This is not a Fengxingxia pass code."),
    "PASS_BAD_SIGNATURE": (
        "通行证签名无效，二维码可能被伪造或篡改。",
        "The pass signature is invalid: the code was forged or altered.",
    ),
    "PASS_EXPIRED": (
        "通行证已过期，请快递员刷新后重新出示。",
        "The pass has expired; ask the courier to refresh it and show it again.",
    ),
    "PASS_COURIER_SUSPENDED": ("该快递员账号已被停用，通行证无效。", "The courier's account is suspended, so the pass is invalid."),
    "PASS_COURIER_NOT_APPROVED": ("该快递员未通过审核，通行证无效。", "The courier is not approved, so the pass is invalid."),
    "PASS_REVOKED": ("该通行证已被撤销，请快递员刷新后重新出示。", "This pass was revoked; ask the courier to refresh it."),
    "PASS_WRONG_JURISDICTION": (
        "该通行证不适用于本小区，或您无权在此小区核验。",
        "This pass is not valid at this community, or you may not verify passes at it.",
    ),
    "PASS_COURIER_NOT_ACTIVE": (
        "账号通过审核后才能使用通行证。",
        "Your account must be approved before you can use a pass.",
    ),
    "PASS_COMMUNITY_REQUIRED": (
        "您负责多个小区，请选择当前核验的小区。",
        "You guard several communities; choose the community of this gate.",
    ),
    "PASS_QR_SCALE_INVALID": ("二维码缩放倍数须为1至40。", "The QR scale must be between 1 and 40."),
    "PASS_REVOKE_REASON_TOO_LONG": (
        "撤销原因不能超过200个字。",
        "The revocation reason must be at most 200 characters.",
    ),
})
