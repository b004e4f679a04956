-- Dashboard sign-ins. A session is opened with a tenant's API key and ends when its owner signs
-- out, when it expires, or when that key is revoked. Only the SHA-256 of the cookie's token is
-- stored; the CSRF token is useless without the cookie and is kept as is.

create table dashboard_sessions (
    id         text primary key,
    token_hash text        not null unique,
    tenant_id  text        not null references tenants (id),
    api_key_id text        not null references api_keys (id),
    csrf_token text        not null,
    created_at timestamptz not null,
    expires_at timestamptz not null
);

create index dashboard_sessions_expiry on dashboard_sessions (expires_at);
