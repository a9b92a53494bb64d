"""User-facing messages of the media domain."""

from api.i18n import register_messages

register_messages(
    {
        "MEDIA_NOT_FOUND": (
            "第{position}个附件不存在或不属于您，请重新上传。",
            "Attachment {position} does not exist or is not yours; upload it again.",
        ),
        "MEDIA_ALREADY_ATTACHED": (
            "第{position}个附件已用于其他上报，请重新上传。",
            "Attachment {position} is already attached to another report; upload it again.",
        ),
        "MEDIA_NOT_UPLOADED": (
            "第{position}个附件尚未上传完成，请上传后再提交。",
            "Attachment {position} has not been uploaded yet; finish the upload and submit again.",
        ),
        "MEDIA_TOO_LARGE": (
            "文件过大：此类文件最大{max_mb}MB。",
            "The file is too large: the maximum for this kind is {max_mb} MB.",
        ),
        "MEDIA_TYPE_MISMATCH": (
            "第{position}个附件的内容与声明的文件类型不符，已删除，请重新上传。",
            "The content of attachment {position} does not match its declared type; it was deleted, upload it again.",
        ),
        "MEDIA_REJECTED": (
            "第{position}个附件无法处理（例如图片已损坏），请重新上传。",
            "Attachment {position} could not be processed (for example a damaged image); upload it again.",
        ),
        "MEDIA_CONTENT_TYPE_UNSUPPORTED": (
            "不支持该文件类型，支持：{allowed}。",
            "This file type is not supported; use one of: {allowed}.",
        ),
        "MEDIA_SIZE_INVALID": ("文件大小无效，必须大于0字节。", "The file size is invalid; it must be more than 0 bytes."),
    }
)
