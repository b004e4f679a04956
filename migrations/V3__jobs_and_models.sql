-- Durable jobs: the job rows are the source of truth; db-scheduler's table only dispatches them
-- to a replica (with heartbeats, so a dead replica's work is picked up again).

create table scheduled_tasks (
    task_name            text                     not null,
    task_instance        text                     not null,
    task_data            bytea,
    execution_time       timestamp with time zone not null,
    picked               boolean                  not null,
    picked_by            text,
    last_success         timestamp with time zone,
    last_failure         timestamp with time zone,
    consecutive_failures int,
    last_heartbeat       timestamp with time zone,
    version              bigint                   not null,
    priority             smallint,
    primary key (task_name, task_instance)
);
create index scheduled_tasks_execution_time on scheduled_tasks (execution_time);
create index scheduled_tasks_last_heartbeat on scheduled_tasks (last_heartbeat);
create index scheduled_tasks_priority_execution_time on scheduled_tasks (priority desc, execution_time asc);

create table fine_tuning_jobs (
    id                text primary key,
    seq               bigserial   not null unique,
    tenant_id         text        not null references tenants (id),
    name              text,
    base_model        text        not null,
    dataset_id        text        not null,
    method            text        not null,
    hyperparameters   jsonb       not null,
    metadata          jsonb,
    status            text        not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress          real        not null default 0,
    cancel_requested  boolean     not null default false,
    error             jsonb,
    result            jsonb,
    model_id          text,
    attempts          integer     not null default 0,
    idempotency_key   text,
    created_at        timestamptz not null,
    started_at        timestamptz,
    finished_at       timestamptz,
    unique (tenant_id, idempotency_key)
);
create index fine_tuning_jobs_tenant on fine_tuning_jobs (tenant_id, seq desc);
create index fine_tuning_jobs_dataset on fine_tuning_jobs (dataset_id) where status in ('queued', 'running');

create table job_events (
    id         bigserial primary key,
    job_id     text        not null,
    created_at timestamptz not null,
    level      text        not null,
    type       text        not null,
    message    text        not null,
    data       jsonb
);
create index job_events_job on job_events (job_id, id);

create table models (
    id          text primary key,
    seq         bigserial   not null unique,
    tenant_id   text        not null references tenants (id),
    name        text        not null,
    base_model  text        not null,
    dataset_id  text        not null,
    job_id      text        not null,
    method      text        not null,
    labels      jsonb       not null,
    metrics     jsonb       not null,
    created_at  timestamptz not null
);
create index models_tenant on models (tenant_id, seq desc);

create table model_variants (
    id          text primary key,
    seq         bigserial   not null unique,
    model_id    text        not null references models (id) on delete cascade,
    kind        text        not null,
    format      text        not null,
    sha256      text        not null,
    bytes       bigint      not null,
    metrics     jsonb,
    provenance  jsonb       not null,
    created_at  timestamptz not null
);
create index model_variants_model on model_variants (model_id, seq);
create index model_variants_sha256 on model_variants (sha256);
