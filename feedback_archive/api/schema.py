from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "feedback_archive.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`; keys come from `manage.py issue_api_key` or the admin."}


ERROR = {"type": "object", "additionalProperties": True,
         "description": "Field errors {field: [messages]} (400) or {detail: message}"}
STANDARD_ERRORS = {
    "400": "Invalid input: an object naming each field and what is wrong",
    "401": "No API key, or an unknown, revoked or expired one",
    "403": "The key's scope (or the user's role/team) does not allow this",
    "404": "No such object",
    "409": "Conflict: the transition is not allowed now, a guard failed, or someone changed the item first",
    "413": "Request body over the limit",
    "429": "Too many requests for this key; see Retry-After",
    "503": "The database is unavailable for a moment; nothing was written; see Retry-After",
}


def add_standard_errors(result, generator, request, public):
    """Every operation documents the error answers of the contract (API.md), so clients and
    schema-driven tests know them."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, text in STANDARD_ERRORS.items():
                if code == "409" and method == "get":
                    continue
                operation["responses"].setdefault(code, {
                    "description": text, "content": {"application/json": {"schema": ERROR}}})
    return result
