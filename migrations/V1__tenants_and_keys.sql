-- Tenants and the keys they authenticate with. Keys are stored only as SHA-256 hex digests;
-- the prefix is kept so that people can tell their keys apart.

create table admin_keys (
    id           text primary key,
    prefix       text        not null,
    key_hash     text        not null unique,
    created_at   timestamptz not null,
    last_used_at timestamptz
);

create table tenants (
    id         text primary key,
    seq        bigserial   not null unique,
    name       text        not null,
    created_at timestamptz not null
);

create table api_keys (
    id           text primary key,
    seq          bigserial   not null unique,
    tenant_id    text        not null references tenants (id),
    name         text        not null,
    prefix       text        not null,
    key_hash     text        not null unique,
    created_at   timestamptz not null,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

create index api_keys_tenant on api_keys (tenant_id, seq desc);
