-- Governance that holds to the sides (issue 11).
-- A decision keeps the role each signer held, so a joint decision's concurrence must come from
-- the other chief's role, and an escalation keeps both chiefs' written positions.
ALTER TABLE decisions ADD COLUMN cto_position TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN ciso_position TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN decided_as TEXT;
ALTER TABLE decisions ADD COLUMN concurred_as TEXT;
UPDATE decisions SET decided_as = (SELECT u.role FROM users u WHERE u.id = decisions.decided_by)
    WHERE decided_by IS NOT NULL;
UPDATE decisions SET concurred_as = (SELECT u.role FROM users u WHERE u.id = decisions.concurred_by)
    WHERE concurred_by IS NOT NULL;
-- An exception names its systems or says it is organization-wide.
ALTER TABLE exceptions ADD COLUMN organization_wide BOOLEAN NOT NULL DEFAULT FALSE;
