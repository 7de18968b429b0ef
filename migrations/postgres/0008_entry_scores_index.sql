-- SQLite gets an index covering what a unit scored (see the same file there). PostgreSQL
-- does not: the pages that read it already answer in about 100 ms at 5 000 units, and an
-- index on points_h would make every save of a score write a second index entry, and
-- rule out heap-only updates where a page has room for them, on the hot path. Kept as a
-- file so both histories match.
select 1;
