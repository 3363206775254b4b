-- Design reviews for the monthly architecture review, and the onboarding decision of a vendor.
-- Keep in step with ../postgres/0008_design_reviews.sql (a test checks it).

CREATE TABLE design_reviews (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    system_id BLOB REFERENCES systems(id),
    golden_paths TEXT NOT NULL,
    review_date TEXT NOT NULL,
    data TEXT NOT NULL,
    auth TEXT NOT NULL,
    secrets TEXT NOT NULL,
    logging TEXT NOT NULL,
    abuse TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_id BLOB REFERENCES decisions(id),
    spike_item_id BLOB REFERENCES backlog_items(id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX design_reviews_date ON design_reviews(workspace_id, review_date);

-- Adopting a vendor is a joint decision: the one its onboarding asked for.
ALTER TABLE vendors ADD COLUMN onboarding_decision_id BLOB REFERENCES decisions(id);
