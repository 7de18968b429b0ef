-- What appraisers decided, readable without the rows' text, as 0008 does for the units'
-- own entries: the results, the progress and the appraisal queue read only these columns
-- of a round's appraisal entries (a fully appraised national round holds 500 000 of them),
-- in the order the results take them (a unit's round 1 before its round 2). Without it
-- each row is found through the primary key and then read whole, comment and all.
create index appraisal_entries_scores
    on appraisal_entries (round_id, unit_id, appraisal_round, leaf_code, points_h, not_applicable);
