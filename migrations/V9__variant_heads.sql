-- A head-method model's classifier head (a few KB) kept apart from its ONNX graph, so that the
-- shared encoder can serve the model without reading the graph (about 90 MB) again. Null for
-- variants with weights of their own, and for models made before this column existed (their head
-- is read from the graph once).
alter table model_variants add column head_sha256 text;
