//! Evidence (tài liệu kiểm chứng): which uploaded files are accepted, and what a citation
//! of an issued document must hold.
//!
//! A file's type is read from its content (magic bytes), never from its name or from the
//! content type the browser sent: an `.exe` renamed `.pdf` is not a PDF. The name must
//! still agree with the content, so that whoever downloads it opens it with the right
//! program.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};

use crate::domain::text::{limit, multiline, one_line};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// The types accepted, as messages name them.
pub const ALLOWED_TYPES: &str =
    "PDF, Word (.doc, .docx), Excel (.xls, .xlsx) và ảnh PNG, JPEG (.png, .jpg, .jpeg)";

/// A type of file accepted as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Doc,
    Docx,
    Xls,
    Xlsx,
    Png,
    Jpeg,
}

impl FileKind {
    pub const ALL: [FileKind; 7] = [
        FileKind::Pdf,
        FileKind::Doc,
        FileKind::Docx,
        FileKind::Xls,
        FileKind::Xlsx,
        FileKind::Png,
        FileKind::Jpeg,
    ];

    /// The media type sent back on download.
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Doc => "application/msword",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    /// The file-name extensions (lower case, no dot) that fit this content.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Doc => &["doc"],
            FileKind::Docx => &["docx"],
            FileKind::Xls => &["xls"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Doc => "Word (.doc)",
            FileKind::Docx => "Word (.docx)",
            FileKind::Xls => "Excel (.xls)",
            FileKind::Xlsx => "Excel (.xlsx)",
            FileKind::Png => "ảnh PNG",
            FileKind::Jpeg => "ảnh JPEG",
        }
    }

    /// The accepted type of content that begins with `head`, if any, for every type but
    /// Word and Excel 97–2003 (OLE2 compound files), which [`FileKind::detect_in`] tells
    /// apart by reading the file's directory.
    pub fn detect(head: &[u8]) -> Option<FileKind> {
        let found = infer::get(head)?;
        FileKind::ALL
            .into_iter()
            .find(|k| k.media_type() == found.mime_type())
    }

    /// The accepted type of the content `file` holds, reading its first bytes (and, for an
    /// OLE2 compound file, its directory) rather than the whole of it.
    pub fn detect_in<R: Read + Seek>(mut file: R) -> std::io::Result<Option<FileKind>> {
        let mut head = Vec::with_capacity(HEAD_BYTES);
        file.seek(SeekFrom::Start(0))?;
        (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head)?;
        if !head.starts_with(&OLE2_MAGIC) {
            return Ok(FileKind::detect(&head));
        }
        file.seek(SeekFrom::Start(0))?;
        let Ok(compound) = cfb::CompoundFile::open(file) else {
            return Ok(None);
        };
        // The class of the root storage says which program wrote it.
        Ok(match compound.root_entry().clsid().to_string().as_str() {
            "00020810-0000-0000-c000-000000000046" | "00020820-0000-0000-c000-000000000046" => {
                Some(FileKind::Xls)
            }
            "00020906-0000-0000-c000-000000000046" => Some(FileKind::Doc),
            _ => None,
        })
    }
}

/// How much of a file [`FileKind::detect_in`] reads to judge its type: the signatures of
/// PDF, PNG and JPEG are at the start, and those of Word and Excel (.docx, .xlsx) within
/// the first few zip entries.
const HEAD_BYTES: usize = 32 * 1024;

/// The first bytes of an OLE2 compound file (Word and Excel 97–2003).
const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An upload that passed every check: a clean name, and the type its content is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    /// The name as sent, without any folder part, in Unicode NFC.
    pub name: String,
    pub kind: FileKind,
    pub size_bytes: u64,
}

/// Why an upload was refused; `Display` is the message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRefusal {
    NoName,
    Empty { name: String },
    TooLarge { name: String, max_mb: u64 },
    NotAllowed { name: String },
    NameMismatch { name: String, kind: FileKind },
}

impl fmt::Display for FileRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileRefusal::NoName => write!(f, "Tệp tải lên cần có tên (kèm đuôi, ví dụ .pdf)."),
            FileRefusal::Empty { name } => write!(
                f,
                "Tệp «{name}» rỗng (0 byte). Hãy chọn lại tệp có nội dung."
            ),
            FileRefusal::TooLarge { name, max_mb } => write!(
                f,
                "Tệp «{name}» vượt quá dung lượng cho phép ({max_mb} MB). Hãy giảm dung lượng (nén, quét lại với độ phân giải thấp hơn) hoặc tách thành nhiều tệp."
            ),
            FileRefusal::NotAllowed { name } => write!(
                f,
                "Nội dung tệp «{name}» không thuộc loại được chấp nhận. Chỉ nhận tệp {ALLOWED_TYPES}."
            ),
            FileRefusal::NameMismatch { name, kind } => write!(
                f,
                "Tên tệp «{name}» không khớp với nội dung: nội dung là {}, tên tệp phải có đuôi {}. Chỉ nhận tệp {ALLOWED_TYPES}.",
                kind.label(),
                kind.extensions()
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(" hoặc "),
            ),
        }
    }
}

/// The name a browser sent, cleaned: no folder part (some send `C:\fakepath\…`), no
/// control characters, Unicode NFC (macOS sends names decomposed), at most 200 characters.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .nfc()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    let count = name.chars().count();
    if count <= 200 {
        return Some(name);
    }
    // Keep the extension when shortening.
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    let keep = 200 - ext.chars().count();
    Some(stem.chars().take(keep).collect::<String>() + &ext)
}

/// Checks an upload: named, not empty, within `max_bytes`, of an accepted type by its
/// content (`kind`, from [`FileKind::detect_in`]), and named with an extension that fits
/// that content.
pub fn check_file(
    raw_name: &str,
    kind: Option<FileKind>,
    size_bytes: u64,
    max_bytes: u64,
) -> Result<CheckedFile, FileRefusal> {
    let name = clean_file_name(raw_name).ok_or(FileRefusal::NoName)?;
    if size_bytes == 0 {
        return Err(FileRefusal::Empty { name });
    }
    if size_bytes > max_bytes {
        return Err(FileRefusal::TooLarge {
            name,
            max_mb: max_bytes / (1024 * 1024),
        });
    }
    let kind = kind.ok_or_else(|| FileRefusal::NotAllowed { name: name.clone() })?;
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(FileRefusal::NameMismatch { name, kind });
    }
    Ok(CheckedFile {
        name,
        kind,
        size_bytes,
    })
}

/// A citation as sent, before checking.
#[derive(Clone, Debug, Default, validator::Validate)]
pub struct CitationDraft {
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub document_number: String,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub issued_on: String,
    #[validate(length(max = limit::TEXT), custom(function = multiline))]
    pub summary: String,
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub pages: String,
}

/// A checked citation of a document issued by a competent body: where in it the proof is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// Số ký hiệu, e.g. "12/KH-UBND".
    pub document_number: String,
    /// Ngày ban hành.
    pub issued_on: NaiveDate,
    /// Trích yếu.
    pub summary: String,
    /// Trang, e.g. "3-5"; may be empty.
    pub pages: String,
}

impl Citation {
    /// The date as written and stored: dd/mm/yyyy.
    pub fn issued_on_text(&self) -> String {
        self.issued_on.format("%d/%m/%Y").to_string()
    }
}

fn clean_text(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Parses a date written dd/mm/yyyy (two digits, two digits, four digits).
pub fn parse_issued_on(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            2 | 5 => b == b'/',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .ok()
        .filter(|d| d.year() >= 1945)
}

/// A citation refused: the field it concerns (as the API names it: `document_number`,
/// `issued_on`, `summary`, `pages`) and the message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationRefusal {
    pub field: &'static str,
    pub message: String,
}

impl CitationRefusal {
    fn new(field: &'static str, message: impl Into<String>) -> CitationRefusal {
        CitationRefusal {
            field,
            message: message.into(),
        }
    }
}

/// The earliest date of issue accepted: evidence of a year's reform is recent, and a date
/// before this is a typing slip (01/01/1020 for 01/01/2020).
pub const EARLIEST_ISSUED_ON: (i32, u32, u32) = (2000, 1, 1);

impl Citation {
    /// Checks a citation as typed on `today` (the day in Vietnam): a document number, a
    /// real date of issue between 01/01/2000 and today, a summary.
    pub fn check(d: CitationDraft, today: NaiveDate) -> Result<Citation, CitationRefusal> {
        let document_number = clean_text(&d.document_number);
        if document_number.is_empty() {
            return Err(CitationRefusal::new(
                "document_number",
                "Cần ghi số ký hiệu của văn bản (ví dụ 12/KH-UBND).",
            ));
        }
        if document_number.chars().count() > 100 {
            return Err(CitationRefusal::new(
                "document_number",
                "Số ký hiệu văn bản dài quá 100 ký tự.",
            ));
        }
        let typed = d.issued_on.trim();
        let issued_on = parse_issued_on(typed).ok_or_else(|| {
            CitationRefusal::new(
                "issued_on",
                format!(
                    "Ngày ban hành «{typed}» không hợp lệ: cần một ngày có thật, viết theo dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 20/12/2022."
                ),
            )
        })?;
        let (y, m, day) = EARLIEST_ISSUED_ON;
        let earliest = NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN);
        if issued_on > today {
            return Err(CitationRefusal::new(
                "issued_on",
                format!(
                    "Ngày ban hành {typed} chưa tới (hôm nay là {}): văn bản làm tài liệu kiểm chứng phải đã được ban hành. Kiểm tra lại ngày, tháng, năm.",
                    today.format("%d/%m/%Y")
                ),
            ));
        }
        if issued_on < earliest {
            return Err(CitationRefusal::new(
                "issued_on",
                format!(
                    "Ngày ban hành {typed} trước ngày {}: kiểm tra lại năm ban hành của văn bản.",
                    earliest.format("%d/%m/%Y")
                ),
            ));
        }
        let summary = clean_text(&d.summary);
        if summary.is_empty() {
            return Err(CitationRefusal::new(
                "summary",
                "Cần ghi trích yếu của văn bản.",
            ));
        }
        if summary.chars().count() > 2000 {
            return Err(CitationRefusal::new(
                "summary",
                "Trích yếu dài quá 2.000 ký tự.",
            ));
        }
        let pages = clean_text(&d.pages);
        if pages.chars().count() > 100 {
            return Err(CitationRefusal::new(
                "pages",
                "Phần «trang» dài quá 100 ký tự.",
            ));
        }
        Ok(Citation {
            document_number,
            issued_on,
            summary,
            pages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];

    fn check_file(name: &str, bytes: &[u8], max: u64) -> Result<CheckedFile, FileRefusal> {
        let kind = FileKind::detect_in(std::io::Cursor::new(bytes)).expect("in memory");
        super::check_file(name, kind, bytes.len() as u64, max)
    }

    /// An OLE2 compound file whose root storage has the class `clsid`, as Word and Excel
    /// 97–2003 write them.
    fn compound_file(clsid: &str) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).expect("cfb");
        file.set_storage_clsid("/", clsid.parse().expect("uuid"))
            .expect("clsid");
        std::io::Write::write_all(
            &mut file.create_stream("/WordDocument").expect("stream"),
            &[7; 10_000],
        )
        .expect("write");
        file.flush().expect("flush");
        file.into_inner().into_inner()
    }

    #[test]
    fn word_and_excel_97_are_told_apart_by_their_directory() {
        let doc = compound_file("00020906-0000-0000-c000-000000000046");
        let xls = compound_file("00020820-0000-0000-c000-000000000046");
        let other = compound_file("64818d10-4f9b-11cf-86ea-00aa00b929e8");
        assert_eq!(
            check_file("to-trinh.doc", &doc, 1 << 20).map(|c| c.kind),
            Ok(FileKind::Doc)
        );
        assert_eq!(
            check_file("bang.xls", &xls, 1 << 20).map(|c| c.kind),
            Ok(FileKind::Xls)
        );
        assert!(matches!(
            check_file("slide.doc", &other, 1 << 20),
            Err(FileRefusal::NotAllowed { .. })
        ));
        // Cut short, the directory cannot be read: not a document.
        assert!(matches!(
            check_file("cut.doc", &doc[..600], 1 << 20),
            Err(FileRefusal::NotAllowed { .. })
        ));
    }

    #[test]
    fn content_decides_the_type_and_the_name_must_agree() {
        let ok = check_file("Kế hoạch.PDF", PDF, 1000).expect("a PDF");
        assert_eq!((ok.kind, ok.size_bytes), (FileKind::Pdf, PDF.len() as u64));
        assert_eq!(
            check_file("anh.pdf", PNG, 1000),
            Err(FileRefusal::NameMismatch {
                name: "anh.pdf".into(),
                kind: FileKind::Png
            })
        );
        assert!(matches!(
            check_file("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00", 1000),
            Err(FileRefusal::NotAllowed { .. })
        ));
        assert!(matches!(
            check_file("ghi-chu.pdf", b"chi la van ban", 1000),
            Err(FileRefusal::NotAllowed { .. })
        ));
        assert!(matches!(
            check_file("rong.pdf", b"", 1000),
            Err(FileRefusal::Empty { .. })
        ));
        assert!(matches!(
            check_file("lon.pdf", PDF, 10),
            Err(FileRefusal::TooLarge { .. })
        ));
    }

    #[test]
    fn names_lose_folders_and_control_characters_and_become_nfc() {
        assert_eq!(
            clean_file_name("C:\\fakepath\\Ke\u{0302}\u{0301} hoạch.pdf").as_deref(),
            Some("Kế hoạch.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("a\u{0}b.pdf").as_deref(), Some("ab.pdf"));
        assert_eq!(clean_file_name("  "), None);
        let long = format!("{}.pdf", "x".repeat(300));
        let short = clean_file_name(&long).expect("name");
        assert_eq!(short.chars().count(), 200);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn issued_dates_are_real_days_written_dd_mm_yyyy() {
        assert_eq!(
            parse_issued_on("20/12/2022"),
            NaiveDate::from_ymd_opt(2022, 12, 20)
        );
        for bad in [
            "2022-12-20",
            "20/12/22",
            "31/02/2023",
            "1/2/2023",
            "20.12.2022",
            "",
        ] {
            assert_eq!(parse_issued_on(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_date_of_issue_is_neither_in_the_future_nor_before_2000() {
        let today = NaiveDate::from_ymd_opt(2024, 1, 5).expect("date");
        let draft = |issued_on: &str| CitationDraft {
            document_number: "12/KH-UBND".into(),
            issued_on: issued_on.into(),
            summary: "Kế hoạch CCHC năm 2023".into(),
            pages: "3".into(),
        };
        for ok in ["05/01/2024", "01/01/2000", "20/12/2022"] {
            assert!(Citation::check(draft(ok), today).is_ok(), "{ok}");
        }
        for bad in ["06/01/2024", "01/01/2999", "31/12/1999", "31/11/2023"] {
            let refused = Citation::check(draft(bad), today).expect_err(bad);
            assert_eq!(refused.field, "issued_on", "{bad}");
            assert!(refused.message.contains(bad), "{}", refused.message);
        }
        let no_summary = CitationDraft {
            summary: " ".into(),
            ..draft("20/12/2022")
        };
        assert_eq!(
            Citation::check(no_summary, today).map_err(|r| r.field),
            Err("summary")
        );
    }
}
