"""The OpenAPI document, with the judgment and case schemas taken from their models."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.domain.figures import AREA_LENGTHS, COURT_CODE_MAX, Figures
from bot.domain.judgment import JudgmentIn
from bot.domain.views import CaseView
from handlers.api.export import XLSX

_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        }
    },
}
_REGISTERED = {
    "type": "object",
    "required": ["case_id", "case_number", "created", "url"],
    "properties": {
        "case_id": {"type": "integer"},
        "case_number": {"type": "string"},
        "created": {"type": "boolean"},
        "url": {"type": "string"},
    },
}
_PROBLEM = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
_REF = "#/components/schemas/{model}"
_UNAUTHORIZED = {"description": "missing or wrong bearer token"}


@cache
def spec() -> dict[str, Any]:
    components: dict[str, Any] = {
        "Errors": _ERRORS,
        "Registered": _REGISTERED,
        "Problem": _PROBLEM,
    }
    for name, model, mode in (
        ("Judgment", JudgmentIn, "validation"),
        ("Case", CaseView, "serialization"),
        ("Figures", Figures, "serialization"),
    ):
        schema = model.model_json_schema(ref_template=_REF, mode=mode)
        defs = schema.pop("$defs", {})
        assert not defs.keys() & components.keys(), "two schemas share a name"
        components.update(defs, **{name: schema})

    def ref(name: str) -> dict[str, Any]:
        return {"application/json": {"schema": {"$ref": _REF.format(model=name)}}}

    return {
        "openapi": "3.1.0",  # the schemas are pydantic's JSON Schema 2020-12, as 3.1 uses
        "info": {
            "title": "ducu",
            "version": "1",
            "description": "Effective judgments in; cases with their timeline out.",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/judgments": {
                "post": {
                    "summary": "An effective judgment arrives (idempotent on case_number)",
                    "requestBody": {"required": True, "content": ref("Judgment")},
                    "responses": {
                        "201": {"description": "a new case", "content": ref("Registered")},
                        "200": {
                            "description": "already known; nothing changed",
                            "content": ref("Registered"),
                        },
                        "401": _UNAUTHORIZED,
                        "413": {"description": "the body is larger than 256 KiB"},
                        "422": {"description": "invalid fields", "content": ref("Errors")},
                    },
                }
            },
            **{
                f"/api/v1/admin/figures{suffix}": _figures_operation(what, content)
                for suffix, what, content in (
                    ("", "as JSON", ref("Figures")),
                    (".csv", "as CSV: figure,value", {"text/csv": {"schema": {"type": "string"}}}),
                    (
                        ".xlsx",
                        "as a spreadsheet",
                        {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                    ),
                )
            },
            "/api/v1/cases/{case_id}": {
                "get": {
                    "summary": "A case with its status and timeline",
                    "parameters": [
                        {
                            "name": "case_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": {"description": "the case", "content": ref("Case")},
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such case"},
                    },
                }
            },
        },
    }


_AREA = "^(" + "|".join(f"[0-9]{{{n}}}" for n in (0, *AREA_LENGTHS)) + ")$"
_DAY = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]}
_FILTERS = (
    ("court", "the court's code, e.g. 浙0522", {"type": "string", "maxLength": COURT_CODE_MAX}),
    (
        "area",
        "an area code prefix: county, township or village",
        {"type": "string", "pattern": _AREA},
    ),
    ("from", "first effective day (court's calendar)", _DAY),
    ("to", "last effective day, included", _DAY),
)


def _figures_operation(what: str, content: dict[str, Any]) -> dict[str, Any]:
    problem = {"application/json": {"schema": {"$ref": _REF.format(model="Problem")}}}
    return {
        "get": {
            "summary": f"The outcome figures of a court, area and period, {what} (docs/figures.md)",
            "parameters": [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": text,
                    "schema": schema,
                }
                for name, text, schema in _FILTERS
            ],
            "responses": {
                "200": {"description": "the figures", "content": content},
                "400": {"description": "a filter that makes no sense", "content": problem},
                "401": _UNAUTHORIZED,
            },
        }
    }
