-- Sentence embeddings of a dataset by a frozen base model, computed once and reused by later jobs
-- (and by a job resumed after a crash). The blob is addressed by its content like every artifact.
create table embedding_cache (
    cache_key  text primary key,
    sha256     text        not null,
    rows       integer     not null,
    created_at timestamptz not null
);
