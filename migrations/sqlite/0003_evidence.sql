-- Evidence (tài liệu kiểm chứng): uploaded files and citations of issued documents, and
-- the leaves each one supports. One file or citation may support several leaves.

-- An uploaded file. The bytes live in the file store (a local folder or an S3-compatible
-- bucket) under their SHA-256 `content_hash`, never under the name the user sent; that
-- name is kept here as data. The same bytes uploaded twice share one stored object.
create table evidence_files (
    id integer primary key,
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    content_hash text not null,
    original_name text not null,
    media_type text not null,
    size_bytes bigint not null,
    uploaded_by bigint references users (id),
    uploaded_at bigint not null
);
create index evidence_files_by_unit on evidence_files (round_id, unit_id);

-- A citation of a document issued by a competent body: số ký hiệu, ngày ban hành
-- (dd/mm/yyyy as written), trích yếu, and the pages where the proof is.
create table evidence_citations (
    id integer primary key,
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    document_number text not null,
    issued_on text not null,
    summary text not null,
    pages text not null default '',
    created_by bigint references users (id),
    created_at bigint not null
);
create index evidence_citations_by_unit on evidence_citations (round_id, unit_id);

-- One row per leaf an item supports; exactly one of file_id and citation_id is set.
create table evidence_links (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    file_id bigint references evidence_files (id) on delete cascade,
    citation_id bigint references evidence_citations (id) on delete cascade,
    check ((file_id is null) <> (citation_id is null))
);
create unique index evidence_links_file on evidence_links (file_id, leaf_code) where file_id is not null;
create unique index evidence_links_citation on evidence_links (citation_id, leaf_code) where citation_id is not null;
create index evidence_links_by_leaf on evidence_links (round_id, unit_id, leaf_code);
