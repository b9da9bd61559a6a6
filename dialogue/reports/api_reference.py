"""The research API's reference page, read from the same OpenAPI document the API serves.

Why not Swagger UI or Redoc: both inject inline styles (and Swagger UI inline SVG data)
that the site's ``style-src 'self'`` policy refuses, so either would need the policy
weakened on a page that researchers open while signed in. The page is rendered here
instead, from ``openapi_document()``, so it cannot drift from the API, works without
JavaScript, and takes the site's own accessible styles; ``static/js/api_try.js`` adds
"Try it" (a request with the researcher's token, answered on the page).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    description: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    anchor: str
    parameters: tuple[Parameter, ...]
    item: str  # the schema each item in ``items`` follows
    fields: tuple[Field, ...]
    responses: tuple[tuple[str, str], ...]


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def describe_type(schema: dict) -> str:
    """A schema in words: "integer, 1 to 200", "text or empty", "list of Shares"."""
    if "$ref" in schema:
        return _schema_name(schema["$ref"])
    if "oneOf" in schema:
        return " or ".join(describe_type(option) for option in schema["oneOf"])
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array":
            words.append(f"list of {describe_type(schema.get('items', {}))}")
        else:
            words.append({"string": "text", "null": "empty", "number": "number",
                          "integer": "whole number", "boolean": "true or false",
                          "object": "object"}.get(kind, kind))
    text = " or ".join(words)
    if schema.get("format") == "date":
        text = "date (YYYY-MM-DD)"
    if "minimum" in schema and "maximum" in schema:
        text += f", {schema['minimum']:,} to {schema['maximum']:,}"
    elif "minimum" in schema:
        text += f", at least {schema['minimum']:,}"
    return text


def _fields(schema: dict) -> tuple[Field, ...]:
    return tuple(Field(name, describe_type(prop), prop.get("description", ""))
                 for name, prop in schema.get("properties", {}).items())


def operations(document: dict) -> list[Operation]:
    """Every operation of the document, in its order, with what each item holds."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            page = operation["responses"]["200"]["content"]["application/json"]["schema"]
            item = _schema_name(page["properties"]["items"]["items"]["$ref"])
            found.append(Operation(
                method=method.upper(), path=path, summary=operation.get("summary", path),
                anchor=operation.get("operationId", path.strip("/").replace("/", "-")),
                parameters=tuple(
                    Parameter(p["name"], describe_type(p["schema"]), p.get("description", ""),
                              tuple(str(c) for c in p["schema"].get("enum", ())))
                    for p in operation.get("parameters", ())),
                item=item, fields=_fields(schemas.get(item, {})),
                responses=tuple((status, answer["description"])
                                for status, answer in operation["responses"].items()),
            ))
    return found


def schemas_used(document: dict, ops: list[Operation]) -> dict[str, tuple[Field, ...]]:
    """The schemas an item refers to (a Finding's Shares), so each is described once."""
    schemas = document.get("components", {}).get("schemas", {})
    named = {}
    for op in ops:
        for field in op.fields:
            for name in schemas:
                if name != op.item and name in field.kind.split() and name not in named:
                    named[name] = _fields(schemas[name])
    return named


def common_parameters(ops: list[Operation]) -> tuple[Parameter, ...]:
    """The parameters every operation takes (the research filters), listed once."""
    if not ops:
        return ()
    shared = [p for p in ops[0].parameters if all(p in op.parameters for op in ops[1:])]
    return tuple(shared)
