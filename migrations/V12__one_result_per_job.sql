-- A job's effects happen once, whichever replica pauses or dies: the database holds one model per
-- fine-tuning job and one variant per recipe of a compression job, whatever an attempt that lost
-- its job to another tries to store. (Workers also fence every write on the job row's attempt.)

-- Models made before this release may include the duplicates an earlier fault let a paused replica
-- make; they are tenants' models and are kept. The rule holds for every model made from now on.
do $$
begin
    execute format('create unique index models_one_per_job on models (job_id) where seq > %s',
                   (select coalesce(max(seq), 0) from models));
end
$$;

-- The place of a variant's recipe in its compression job's request. Variants made before this
-- release have none and are not held to the rule.
alter table model_variants add column recipe_index integer;
create unique index model_variants_one_per_recipe on model_variants (job_id, recipe_index)
    where recipe_index is not null;
