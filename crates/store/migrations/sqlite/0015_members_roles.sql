-- Issue 18, teams: roles that limit what a member may do, API tokens that carry a role, and
-- invitations. Existing organisations keep working: registration always made its one user the
-- owner ('owner' in memberships), and an existing token keeps its creator's role.

-- The role a token was created with; it acts with the lesser of this and its creator's current
-- role. Existing tokens take their creator's role.
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'owner'
    CHECK (role IN ('owner', 'admin', 'editor', 'viewer'));
UPDATE api_tokens SET role = COALESCE(
    (SELECT m.role FROM memberships m
     WHERE m.user_id = api_tokens.user_id AND m.org_id = api_tokens.org_id),
    'viewer');

-- Removing a member deletes their sessions and tokens in that organisation.
CREATE INDEX sessions_member ON sessions (user_id, org_id);
CREATE INDEX api_tokens_member ON api_tokens (user_id, org_id);
CREATE INDEX memberships_org ON memberships (org_id);

-- An invitation to join an organisation with a role: a one-time link (the token's SHA-256 is
-- kept, never the token). Rows stay after use or revocation so that a second click is told
-- why the link no longer works.
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    accepted_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at   TEXT
);
CREATE INDEX invitations_org ON invitations (org_id, created_at);
