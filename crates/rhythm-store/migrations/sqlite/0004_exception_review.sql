-- The backlog item that reminds the owners to review an approved exception before it
-- expires (created when the exception is approved). Keep in step with
-- ../postgres/0004_exception_review.sql (a test checks it).
ALTER TABLE exceptions ADD COLUMN review_item_id BLOB REFERENCES backlog_items(id);
