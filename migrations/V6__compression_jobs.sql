-- Compression jobs turn a model into variants for a target device, each measured; a variant
-- that needs its own tokenizer (a pruned vocabulary) points at it in blob storage.

create table compression_jobs (
    id                text primary key,
    seq               bigserial   not null unique,
    tenant_id         text        not null references tenants (id),
    model_id          text        not null,
    device            text        not null,
    request           jsonb       not null,
    status            text        not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress          real        not null default 0,
    cancel_requested  boolean     not null default false,
    error             jsonb,
    result            jsonb,
    attempts          integer     not null default 0,
    idempotency_key   text,
    created_at        timestamptz not null,
    started_at        timestamptz,
    finished_at       timestamptz,
    unique (tenant_id, idempotency_key)
);
create index compression_jobs_tenant on compression_jobs (tenant_id, seq desc);
create index compression_jobs_model on compression_jobs (model_id) where status in ('queued', 'running');

alter table model_variants add column tokenizer_sha256 text;
alter table model_variants add column job_id text;
alter table models add column recommended_variant_id text;
alter table model_variants add column bundle_sha256 text;
