-- Batch predictions: a file of texts run through one variant of a model, its output written in
-- chunks as the job goes (so that a resumed attempt goes on from the last chunk stored) and joined
-- into one JSONL and one CSV file at the end, kept until output_expires_at.

create table batch_jobs (
    id                      text primary key,
    seq                     bigserial   not null unique,
    tenant_id               text        not null references tenants (id),
    model_id                text        not null,
    variant_id              text        not null,
    input_sha256            text        not null,
    input_format            text        not null,
    input_file_name         text,
    text_column             text        not null,
    id_column               text,
    rows_total              bigint      not null,
    rows_done               bigint      not null default 0,
    chunks                  jsonb       not null default '[]',
    status                  text        not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress                real        not null default 0,
    cancel_requested        boolean     not null default false,
    error                   jsonb,
    result                  jsonb,
    attempts                integer     not null default 0,
    idempotency_key         text,
    idempotency_fingerprint text,
    output_expires_at       timestamptz,
    created_at              timestamptz not null,
    started_at              timestamptz,
    finished_at             timestamptz,
    unique (tenant_id, idempotency_key)
);
create index batch_jobs_tenant on batch_jobs (tenant_id, seq desc);
create index batch_jobs_expiry on batch_jobs (output_expires_at) where output_expires_at is not null;
