-- Issue 15, one trustworthy number: what a campaign's ROI rests on. 'attribution' (the model in
-- `model` re-credits the platforms' revenue over imported touchpoints; the behaviour before this
-- column) or 'platform_reported' (the platforms' own revenue, as the analysis has it).
ALTER TABLE campaign_attribution ADD COLUMN basis TEXT NOT NULL DEFAULT 'attribution';
