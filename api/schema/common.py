"""GraphQL types shared by several domains."""

from __future__ import annotations

import strawberry

from api.i18n import Language


@strawberry.type(description="A delivery company.")
class Company:
    code: str
    name: str


@strawberry.type(description="A street office (街道) and the jurisdiction of its records.")
class Jurisdiction:
    code: str
    name: str


def localised(language: Language, zh: str, en: str) -> str:
    return en if language is Language.EN else zh


def company_type(model, language: Language) -> Company:  # type: ignore[no-untyped-def]
    return Company(code=model.code, name=localised(language, model.name_zh, model.name_en))


def jurisdiction_type(model, language: Language) -> Jurisdiction:  # type: ignore[no-untyped-def]
    return Jurisdiction(code=model.code, name=localised(language, model.name_zh, model.name_en))
