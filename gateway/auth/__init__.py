"""Authentication (JWT bearer, SMART v2 scopes) and authorisation."""
