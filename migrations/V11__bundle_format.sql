-- The layout a variant's cached bundle was built with (bonsai.json's "format"). A bundle of an
-- older layout (null here) is rebuilt on its next download and its old blob removed.
alter table model_variants add column bundle_format text;
