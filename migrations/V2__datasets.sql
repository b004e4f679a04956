-- Datasets: metadata and the validation report here, the original file in blob storage
-- (addressed by its sha256), and the parsed rows with their split for training and preview.

create table datasets (
    id           text primary key,
    seq          bigserial   not null unique,
    tenant_id    text        not null references tenants (id),
    name         text        not null,
    status       text        not null check (status in ('ready', 'rejected')),
    format       text        not null check (format in ('csv', 'tsv', 'jsonl')),
    text_column  text        not null,
    label_column text        not null,
    split_column text,
    sha256       text        not null,
    bytes        bigint      not null,
    row_count    integer     not null,
    report       jsonb       not null,
    created_at   timestamptz not null
);

create index datasets_tenant on datasets (tenant_id, seq desc);
create index datasets_sha256 on datasets (sha256);

create table dataset_rows (
    dataset_id  text     not null references datasets (id) on delete cascade,
    row_index   integer  not null,
    line        integer  not null,
    text        text     not null,
    label       text     not null,
    -- 0 train, 1 validation, 2 test
    split       smallint not null default 0,
    text_hash   bytea    not null,
    char_count  integer  not null,
    token_count integer  not null,
    primary key (dataset_id, row_index)
);
