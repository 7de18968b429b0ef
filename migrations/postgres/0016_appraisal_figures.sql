-- The figures an appraiser corrects (e.g. 110 of 125 procedures, where the unit reported
-- 111): held as self_entries holds a unit's, and for rate and count leaves the appraised
-- points (points_h) are the ones the leaf's rule gives them, computed by the server. All
-- null where the appraiser gave the points directly (judged and yes/no leaves, rows
-- written before this migration, or an appraisal without figures).
alter table appraisal_entries add column input_kind text;
alter table appraisal_entries add column met bigint;
alter table appraisal_entries add column numerator_h bigint;
alter table appraisal_entries add column denominator_h bigint;
alter table appraisal_entries add column judged_h bigint;
alter table appraisal_entries add column occurrences bigint;
