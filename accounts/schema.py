"""OpenAPI security schemes: bearer JWT and the OAuth2 password flow that Swagger UI's Authorize uses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = ["jwtAuth", "oauth2"]

    def get_security_requirement(self, auto_schema):
        # Either scheme alone authorizes a request (a list of requirement objects means "or").
        return [{"jwtAuth": []}, {"oauth2": []}]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            {
                "type": "oauth2",
                "description": "Sign in with your email as the username.",
                "flows": {"password": {"tokenUrl": "/api/auth/oauth2/token/", "scopes": {}}},
            },
        ]
