-- A published round is frozen: its results as computed at publication (every tier, every
-- unit then taking part, ranks and classifications), kept as the JSON the app computed.
-- Units created or moved later, or renamed, do not change what was published.
create table published_results (
    round_id bigint primary key references rounds (id),
    results text not null
);
