-- The request a job was created with, as a SHA-256 of its canonical JSON, so that an
-- Idempotency-Key sent again with another body is refused instead of answered with the first job.
-- Null for jobs created before this column existed (a retry of those is not compared).
alter table fine_tuning_jobs add column idempotency_fingerprint text;
alter table compression_jobs add column idempotency_fingerprint text;
