-- A tenant's own prediction rate limit (token bucket); null columns mean the service default.
alter table tenants add column predictions_per_second double precision;
alter table tenants add column prediction_burst integer;
