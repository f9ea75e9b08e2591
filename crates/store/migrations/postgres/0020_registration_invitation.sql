-- A registration made from an invitation's page: the invitation it takes up once its link
-- (sent to the invited address) is followed, instead of a new organisation. The invitation's
-- link alone is no proof of the mailbox (the inviter saw it), the registration's link is.
ALTER TABLE pending_registrations ADD COLUMN invitation_token_hash TEXT;
