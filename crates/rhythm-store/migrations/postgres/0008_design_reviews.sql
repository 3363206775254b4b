-- Design reviews for the monthly architecture review, and the onboarding decision of a vendor.
-- Keep in step with ../sqlite/0008_design_reviews.sql (a test checks it).

CREATE TABLE design_reviews (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    system_id UUID REFERENCES systems(id),
    golden_paths TEXT NOT NULL,
    review_date DATE NOT NULL,
    data TEXT NOT NULL,
    auth TEXT NOT NULL,
    secrets TEXT NOT NULL,
    logging TEXT NOT NULL,
    abuse TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_id UUID REFERENCES decisions(id),
    spike_item_id UUID REFERENCES backlog_items(id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX design_reviews_date ON design_reviews(workspace_id, review_date);

-- Adopting a vendor is a joint decision: the one its onboarding asked for.
ALTER TABLE vendors ADD COLUMN onboarding_decision_id UUID REFERENCES decisions(id);
