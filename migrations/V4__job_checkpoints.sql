-- The last epoch checkpoint of a running fine-tuning job (a blob), so that a job whose replica
-- died resumes from it.
alter table fine_tuning_jobs add column checkpoint text;
alter table fine_tuning_jobs add column checkpoint_epoch integer;
