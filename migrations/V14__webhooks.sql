-- Webhooks: a tenant's endpoints, and one delivery row per event and endpoint. A delivery row is
-- written in the transaction that ends the job it announces (the outbox), so an event is announced
-- exactly when it happened; dispatchers on the job-running replicas claim due rows (a claim expires,
-- so a replica that dies or pauses mid-delivery leaves its rows to another) and record every attempt.
-- An endpoint's signing secret must be usable to sign, so it is stored sealed (AES-GCM) with the
-- operator's key, never in clear. After a rotation the previous secret signs too, for a day.

create table webhook_endpoints (
    id                   text primary key,
    seq                  bigserial   not null unique,
    tenant_id            text        not null references tenants (id),
    url                  text        not null,
    description          text,
    events               jsonb       not null,
    sealed_secret        text        not null,
    previous_sealed_secret     text,
    previous_secret_expires_at timestamptz,
    enabled              boolean     not null default true,
    disabled_reason      text,
    consecutive_failures integer     not null default 0,
    last_success_at      timestamptz,
    created_at           timestamptz not null,
    updated_at           timestamptz not null
);
create index webhook_endpoints_tenant on webhook_endpoints (tenant_id, seq desc);

create table webhook_deliveries (
    id               text primary key,
    seq              bigserial   not null unique,
    endpoint_id      text        not null references webhook_endpoints (id) on delete cascade,
    tenant_id        text        not null,
    event_id         text        not null,
    event_type       text        not null,
    payload          text        not null,
    status           text        not null check (status in ('pending', 'delivered', 'failed')),
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    claimed_by       text,
    claimed_until    timestamptz,
    last_attempt_at  timestamptz,
    response_status  integer,
    latency_ms       integer,
    last_error       text,
    created_at       timestamptz not null,
    delivered_at     timestamptz,
    unique (endpoint_id, event_id)
);
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, seq desc);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_age on webhook_deliveries (created_at);
