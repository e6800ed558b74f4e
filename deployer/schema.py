"""The JSON Schema of tenants.yaml, from the same pydantic models that validate it.

Editors (the YAML language server behind VS Code, JetBrains, Neovim) complete and check the file
with it. A tenant's fields are all optional in the schema: `defaults` may supply any of them, and
only the merged tenant must be complete, which `deployer validate` checks.
"""

from __future__ import annotations

import json
from typing import Any

from .config import TENANT_NAME, TenantConfig

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _optional_everywhere(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _optional_everywhere(v)
            for k, v in node.items()
            if not (k == "required" and isinstance(v, list))
        }
    if isinstance(node, list):
        return [_optional_everywhere(v) for v in node]
    return node


def tenants_schema() -> dict[str, Any]:
    tenant = TenantConfig.model_json_schema(ref_template="#/$defs/{model}")
    definitions = tenant.pop("$defs", {})
    tenant["properties"].pop("name")  # the key under tenants:, not a field
    tenant["title"] = "Tenant"
    tenant["description"] = (
        "One Auth0 tenant (domain:, or AUTH0_DOMAIN when left out) or emulator; "
        "deep-merged over defaults."
    )
    definitions["Tenant"] = tenant
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": "tenants.yaml (auth0-terms-deployer)",
        "description": "The Auth0 tenants a repository manages. `deployer schema` prints this.",
        "type": "object",
        "additionalProperties": False,
        "required": ["tenants"],
        "properties": {
            "version": {"const": 1, "description": "The file format; 1."},
            "action": {
                "type": "string",
                "description": "An ejected Action's folder, relative to this file "
                "(`deployer init --eject-action`); the built-in Action when left out.",
            },
            "promotion": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The order a commit is promoted in, e.g. [dev, staging, prod].",
            },
            "defaults": {
                "$ref": "#/$defs/Tenant",
                "description": "Deep-merged into every tenant.",
            },
            "tenants": {
                "type": "object",
                "propertyNames": {"pattern": TENANT_NAME.pattern},
                "additionalProperties": {"$ref": "#/$defs/Tenant"},
            },
        },
        "$defs": dict(sorted(definitions.items())),
    }
    # Only the merged tenant must be complete; a `required` here would flag valid files.
    required = schema.pop("required")
    schema = _optional_everywhere(schema)
    schema["required"] = required
    return schema


def schema_text() -> str:
    return json.dumps(tenants_schema(), indent=2, sort_keys=False) + "\n"
