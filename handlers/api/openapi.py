"""The OpenAPI document, with the judgment and case schemas taken from their models."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.domain.audit import ACTORS, MAX_PAGE, OBJECT_KINDS, Action, AuditRow
from bot.domain.court_texts import EDITABLE, MAX_CHARACTERS
from bot.domain.figures import AREA_LENGTHS, COURT_CODE_MAX, Figures
from bot.domain.judgment import JudgmentIn
from bot.domain.locales import LOCALES
from bot.domain.replan import Change
from bot.domain.schedules import ANCHORS, DELAY_LIMITS, MAX_CAP, MAX_DAYS, MAX_STEPS
from bot.domain.status import STAFF_ROLES, Role
from bot.domain.views import CaseView, UserRow
from bot.services.court_texts import TemplateText
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
_NEW_USER = {
    "type": "object",
    "required": ["role", "name", "phone"],
    "properties": {
        "role": {"enum": [str(role) for role in STAFF_ROLES]},
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "area_code": {"type": "string", "description": "6, 9 or 12 digits; officials: required"},
        "court_code": {"type": "string"},
        "court_name": {"type": "string", "description": "when the court is new"},
    },
}


def _object(**fields: str) -> dict[str, Any]:
    """A JSON object of these required fields and JSON types."""
    return {
        "type": "object",
        "required": list(fields),
        "properties": {name: {"type": kind} for name, kind in fields.items()},
    }


_AUDIT_PAGE = {
    "type": "object",
    "required": ["total", "page", "rows"],
    "properties": {
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "rows": {"type": "array", "items": {"$ref": _REF.format(model="AuditRow")}},
    },
}


def _any_or(*choices: str, said: str = "") -> dict[str, Any]:
    """A filter that is one of `choices` (regular expressions) or left blank: any."""
    return {
        "type": "string",
        "pattern": f"^\\s*({'|'.join(choices)})?\\s*$",
        "description": f"{said or 'one of ' + ', '.join(choices)}; blank: any",
    }


_QUERY: list[tuple[str, dict[str, Any]]] = [
    ("actor", _any_or(*ACTORS, "[0-9]{1,9}", said=f"{', '.join(ACTORS)} or a user's id")),
    ("action", _any_or(*Action)),
    ("object_kind", _any_or(*OBJECT_KINDS)),
    (
        "object_id",
        {"type": "string", "pattern": "^[^\\x00-\\x08\\x0e-\\x1b\\x7f-\\x84\\x86-\\x9f]*$"},
    ),
    ("since", {"type": "string", "format": "date"}),
    ("until", {"type": "string", "format": "date"}),
    ("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
]
_AUDIT_FILTERS = [
    {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in _QUERY
]
_UNAUTHORIZED = {"description": "missing or wrong bearer token"}
_STEP = {
    "type": "object",
    "required": ["key", "anchor", "days", "template"],
    "properties": {
        "key": {"type": "string", "pattern": "^[a-z0-9_]{1,24}$"},
        "anchor": {"enum": list(ANCHORS)},
        "days": {"type": "integer", "minimum": -MAX_DAYS, "maximum": MAX_DAYS},
        "at": {
            "anyOf": [
                {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9])?$"},
                {"type": "null"},
            ],
            "description": "local HH:MM; empty: the moment of effect (effective), 09:00 (due)",
        },
        "template": {"type": "string", "description": "a shipped reminder text, reminder.*"},
        "follow_up": {"type": "boolean", "description": "also opens the official's call"},
    },
}
_SCHEDULE = {
    "type": "object",
    "required": ["steps", "quiet_hours", "weekly_cap"],
    "description": "The rules a schedule must keep: docs/schedules.md",
    "properties": {
        "steps": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_STEPS,
            "items": {"$ref": "#/components/schemas/Step"},
        },
        "quiet_hours": {
            "type": "string",
            "pattern": "^([0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2})?$",
            "description": "e.g. 21:00-08:00; empty: none",
        },
        "weekly_cap": {"type": "integer", "minimum": 1, "maximum": MAX_CAP},
        "delays": {
            "type": "object",
            "additionalProperties": False,
            "description": "days; one left out is the shipped value (docs/schedules.md)",
            "properties": {
                name: {"type": "integer", "minimum": low, "maximum": high}
                for name, (low, high) in DELAY_LIMITS.items()
            },
        },
    },
}
_COURT_SCHEDULE = {
    "type": "object",
    "required": ["court", "version", "schedule", "history"],
    "properties": {
        "court": {"type": "string"},
        "version": {"type": "integer", "description": "0: the built-in schedule"},
        "schedule": {"$ref": "#/components/schemas/Schedule"},
        "history": {"type": "array", "items": _object(version="integer", created_at="string")},
    },
}
_CHANGE = {
    "type": "object",
    "required": ["obligor_id", "step", "change", "due_at"],
    "properties": {
        "obligor_id": {"type": "integer"},
        "step": {"type": "string"},
        "change": {"enum": [c.value for c in Change]},
        "due_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
    },
}
_REPLAN = {
    "type": "object",
    "required": ["court", "version", "applied", "cases", "counts", "samples"],
    "properties": {
        "court": {"type": "string"},
        "version": {"type": "integer"},
        "applied": {"type": "boolean"},
        "cases": {"type": "integer", "description": "cases whose rows change"},
        "counts": _object(**{c.value: "integer" for c in Change}),
        "samples": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["case_id", "case_number", "changes"],
                "properties": {
                    "case_id": {"type": "integer"},
                    "case_number": {"type": "string"},
                    "changes": {"type": "array", "items": _CHANGE},
                },
            },
        },
    },
}
_COURT = {
    "name": "court",
    "in": "path",
    "required": True,
    "description": "the court's code, e.g. 浙0522",
    "schema": {"type": "string", "minLength": 1},
}
_TEXT_PARAMETERS = [
    _COURT,
    {"name": "locale", "in": "path", "required": True, "schema": {"enum": list(LOCALES)}},
    {"name": "key", "in": "path", "required": True, "schema": {"enum": list(EDITABLE)}},
]
_WORDING = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {
            "type": "string",
            "maxLength": MAX_CHARACTERS,
            "description": "the text, with the admins' placeholder names (docs/templates.md)",
        }
    },
}


@cache
def spec() -> dict[str, Any]:
    components: dict[str, Any] = {
        "Errors": _ERRORS,
        "Registered": _REGISTERED,
        "Problem": _PROBLEM,
        "NewUser": _NEW_USER,
        "AuditPage": _AUDIT_PAGE,
        "Added": _object(id="integer"),
        "Deactivated": _object(id="integer", active="boolean", moved_tasks="integer"),
        "Imported": _object(added="integer", renamed="integer", unchanged="integer"),
        "Step": _STEP,
        "Schedule": _SCHEDULE,
        "CourtSchedule": _COURT_SCHEDULE,
        "Saved": _object(court="string", version="integer"),
        "Replan": _REPLAN,
        "Wording": _WORDING,
    }
    for name, model, mode in (
        ("Judgment", JudgmentIn, "validation"),
        ("Case", CaseView, "serialization"),
        ("Figures", Figures, "serialization"),
        ("User", UserRow, "serialization"),
        ("AuditRow", AuditRow, "serialization"),
        ("TemplateText", TemplateText, "serialization"),
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
            "/api/v1/admin/users": {
                "get": {
                    "summary": "Every user (optionally of one role)",
                    "parameters": [
                        {
                            "name": "role",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": [str(role) for role in Role]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the users",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": _REF.format(model="User")},
                                    }
                                }
                            },
                        },
                        "401": _UNAUTHORIZED,
                        "422": {"description": "an unknown role", "content": ref("Errors")},
                    },
                },
                "post": {
                    "summary": "Add a judge, official or admin (audited as `api`)",
                    "requestBody": {"required": True, "content": ref("NewUser")},
                    "responses": {
                        "201": {
                            "description": "added (or updated: same role and phone)",
                            "content": ref("Added"),
                        },
                        "401": _UNAUTHORIZED,
                        "422": {"description": "refused", "content": ref("Errors")},
                    },
                },
            },
            "/api/v1/admin/users/{user_id}/deactivate": {
                "post": {
                    "summary": "Deactivate a user: no sign-in, no new task; an official's open "
                    "tasks move one level up",
                    "parameters": [
                        {
                            "name": "user_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "deactivated; how many tasks moved",
                            "content": ref("Deactivated"),
                        },
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such staff member", "content": ref("Errors")},
                        "409": {"description": "already deactivated", "content": ref("Errors")},
                    },
                }
            },
            "/api/v1/admin/areas/import": {
                "post": {
                    "summary": "Import areas from a CSV file (code,name,parent; UTF-8 or GBK): "
                    "every line or none",
                    "requestBody": {
                        "required": True,
                        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "responses": {
                        "200": {"description": "imported", "content": ref("Imported")},
                        "401": _UNAUTHORIZED,
                        "422": {
                            "description": "refused, nothing saved: each bad line",
                            "content": ref("Errors"),
                        },
                    },
                }
            },
            "/api/v1/admin/templates/{court}": {
                "get": {
                    "summary": "Every text a court may word, in every locale: the court's own "
                    "or the shipped one, each with its preview",
                    "parameters": [_COURT],
                    "responses": {
                        "200": {
                            "description": "the texts",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": _REF.format(model="TemplateText")},
                                    }
                                }
                            },
                        },
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such court", "content": ref("Errors")},
                    },
                }
            },
            "/api/v1/admin/templates/{court}/{locale}/{key}": {
                method: {
                    "summary": summary,
                    "parameters": _TEXT_PARAMETERS,
                    **(
                        {"requestBody": {"required": True, "content": ref("Wording")}}
                        if body
                        else {}
                    ),
                    "responses": {
                        "200": {"description": said, "content": ref("TemplateText")},
                        "401": _UNAUTHORIZED,
                        "404": {
                            "description": "no such court, locale or text a court may word",
                            "content": ref("Errors"),
                        },
                        **(
                            {
                                "422": {
                                    "description": "refused, nothing saved: every reason",
                                    "content": ref("Errors"),
                                }
                            }
                            if body
                            else {}
                        ),
                    },
                }
                for method, summary, said, body in (
                    (
                        "get",
                        "A court's text (or the shipped one) with its preview",
                        "the text",
                        False,
                    ),
                    (
                        "put",
                        "The court's own text from now on (audited as `api`); the shipped text "
                        "unchanged keeps the key shipped",
                        "saved",
                        True,
                    ),
                    (
                        "delete",
                        "Back to the shipped text (audited as `api`)",
                        "the shipped text",
                        False,
                    ),
                )
            },
            "/api/v1/admin/schedules/{court}": {
                "get": {
                    "summary": "A court's current reminder schedule and its versions",
                    "parameters": [_COURT],
                    "responses": {
                        "200": {"description": "the schedule", "content": ref("CourtSchedule")},
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such court", "content": ref("Errors")},
                    },
                },
                "put": {
                    "summary": "Save a new version of a court's schedule (audited as `api`); "
                    "open cases keep theirs until a re-plan",
                    "parameters": [_COURT],
                    "requestBody": {"required": True, "content": ref("Schedule")},
                    "responses": {
                        "201": {"description": "saved as a new version", "content": ref("Saved")},
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such court", "content": ref("Errors")},
                        "422": {
                            "description": "refused, nothing saved: every reason",
                            "content": ref("Errors"),
                        },
                    },
                },
            },
            "/api/v1/admin/schedules/{court}/replan": {
                "post": {
                    "summary": "Re-plan a court's open cases to its latest schedule: a dry run "
                    "unless dry_run=false",
                    "parameters": [
                        _COURT,
                        {
                            "name": "dry_run",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": ["true", "false"], "default": "true"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "what changes (or changed)",
                            "content": ref("Replan"),
                        },
                        "401": _UNAUTHORIZED,
                        "404": {"description": "no such court", "content": ref("Errors")},
                        "422": {"description": "a bad dry_run", "content": ref("Errors")},
                    },
                }
            },
            "/api/v1/admin/audit": {
                "get": {
                    "summary": "The audit log, newest first, 50 rows a page",
                    "parameters": _AUDIT_FILTERS,
                    "responses": {
                        "200": {"description": "a page of rows", "content": ref("AuditPage")},
                        "401": _UNAUTHORIZED,
                        "422": {"description": "a bad filter", "content": ref("Errors")},
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
