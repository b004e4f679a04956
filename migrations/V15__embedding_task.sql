-- Embedding models for semantic search (issue 23 §2): datasets of (anchor, positive[, negative])
-- pairs, fine-tuning jobs and models that carry their task.
--
-- A pair dataset keeps its columns in the classification layout: text_column / text hold the
-- anchor, label_column / label the positive, and the new negative_column / negative the optional
-- hard negative. text_hash, char_count and token_count describe the anchor.

alter table datasets add column task text not null default 'classification'
    check (task in ('classification', 'embedding'));
alter table datasets add column negative_column text;

alter table dataset_rows add column negative text;

alter table fine_tuning_jobs add column task text not null default 'classification'
    check (task in ('classification', 'embedding'));

alter table models add column task text not null default 'classification'
    check (task in ('classification', 'embedding'));
