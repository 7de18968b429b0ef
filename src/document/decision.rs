//! The draft decision that publishes a round's index (Quyết định công bố Chỉ số CCHC năm …),
//! laid out as Nghị định 30/2020/NĐ-CP sets an administrative decision (Phụ lục I, mẫu 1.4):
//! A4 portrait, Times New Roman, margins 20 mm top and bottom, 30 mm left, 15 mm right;
//! the issuing body beside the quốc hiệu and tiêu ngữ, a short rule under each; the number
//! and the place and date; «QUYẾT ĐỊNH» and its subject; the authority; the căn cứ lines;
//! Điều 1 to 3; nơi nhận beside the signature; page numbers centred at the top from the
//! second page. The Sở Nội vụ fills in the number and the day, signs it, and sends it with
//! the annex (`excel::annex`), whose «Phụ lục» it names one by one.

use chrono::{DateTime, Datelike, Utc};
use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use crate::excel::annex::Annex;
use crate::report::RoundResults;

const FONT: &str = "Times New Roman";

/// A4 in twentieths of a point (twips), portrait.
const PAGE: (u32, u32) = (11_906, 16_838);
/// Margins in twips: 20 mm top and bottom, 30 mm left, 15 mm right; the page number 10 mm
/// from the top edge.
const MARGIN: (i32, i32, i32, i32) = (1_134, 1_134, 1_701, 851);
/// The width the text runs across.
const TEXT_WIDTH: i32 = PAGE.0 as i32 - MARGIN.2 - MARGIN.3;
/// The letterhead's two columns: the issuing body, the quốc hiệu (13 pt bold capitals,
/// 271 pt wide, with a few points to spare).
const LETTERHEAD: (i32, i32) = (TEXT_WIDTH - 5_560, 5_560);
/// The closing's two columns: nơi nhận, the signature.
const CLOSING: (i32, i32) = (4_252, TEXT_WIDTH - 4_252);
/// A paragraph's first line, indented 1,27 cm.
const FIRST_LINE: i32 = 720;

/// What the decision says that differs from one province to another (`[decision]` in the
/// configuration file). Who issues and signs it is the annex's (`[annex]`, `issuer`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Decision {
    /// The căn cứ lines, in order («Căn cứ Quyết định số …»); each ends with «;» and the
    /// last with «.» whatever it was typed with. Empty: generic lines naming the
    /// government's reform programme and the Bộ Nội vụ's methodology of the round's year,
    /// with blanks for the province's own decisions.
    pub basis: Vec<String>,
    /// Who proposes it («Trưởng phòng Cải cách hành chính»), printed «Theo đề nghị của
    /// ….»; empty: no such line.
    pub proposer: String,
    /// The decision's symbol after its number: «Số:      /QĐ-SNV».
    pub symbol: String,
    /// The days the units have, from the signing, to send their remedial plans (Điều 2).
    pub remedy_days: u32,
    /// Nơi nhận, a line each, without the dash. Empty: «Như Điều 3;», the body above the
    /// issuer «(để b/c);», «Lưu: VT, CCHC.».
    pub recipients: Vec<String>,
}

impl Default for Decision {
    fn default() -> Self {
        Decision {
            basis: Vec::new(),
            proposer: String::new(),
            symbol: "QĐ-SNV".into(),
            remedy_days: 30,
            recipients: Vec::new(),
        }
    }
}

/// Who issues and signs, as configured: the issuer (`issuer`), its parent body, the place
/// and the signer (`[annex]`), and the decision's own settings (`[decision]`).
pub struct Issuing<'a> {
    pub issuer: &'a str,
    pub annex: &'a Annex,
    pub decision: &'a Decision,
}

/// The decision publishing `results`, as a .docx file, dated in the year of `now` in
/// Vietnam (the day and month left blank to fill in when it is signed).
pub fn decision_docx(
    results: &RoundResults,
    issuing: &Issuing,
    now: DateTime<Utc>,
) -> std::io::Result<Vec<u8>> {
    let year = now.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).year();
    let made = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT);
    let mut docx = Docx::new()
        .created_at(&made)
        .updated_at(&made)
        .page_size(PAGE.0, PAGE.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN.0)
                .bottom(MARGIN.1)
                .left(MARGIN.2)
                .right(MARGIN.3)
                .header(567)
                .footer(567),
        )
        .default_fonts(fonts)
        .default_size(28)
        .default_line_spacing(spacing(0, 0))
        // The page number centred at the top, from the second page on.
        .header(Header::new().add_paragraph(centred().add_page_num(PageNum::new())))
        .first_header(Header::new())
        .add_table(letterhead(issuing, year));
    for paragraph in title(results, issuing) {
        docx = docx.add_paragraph(paragraph);
    }
    for paragraph in articles(results, issuing) {
        docx = docx.add_paragraph(paragraph);
    }
    docx = docx.add_table(closing(issuing));
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(std::io::Error::other)?;
    Ok(bytes.into_inner())
}

/// The file's name: «Dự thảo Quyết định công bố Chỉ số CCHC năm 2023.docx».
pub fn file_name(results: &RoundResults) -> String {
    format!("Dự thảo Quyết định công bố {}.docx", results.title)
}

/// Text in `pt`-point type.
fn run(text: &str, pt: usize) -> Run {
    Run::new().add_text(text).size(pt * 2)
}

/// Space before and after a paragraph, in points, lines single.
fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .before(before * 20)
        .after(after * 20)
        .line(240)
        .line_rule(LineSpacingType::Auto)
}

fn centred() -> Paragraph {
    Paragraph::new().align(AlignmentType::Center)
}

/// A running paragraph: justified, its first line indented, 6 pt after.
fn body() -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE)),
            None,
            None,
        )
        .line_spacing(spacing(0, 6))
}

/// A rule `length` twips long, centred in a column `width` twips wide, a little under the
/// line above it: an empty paragraph 4 pt high whose bottom border is the rule.
fn rule(width: i32, length: i32) -> Paragraph {
    let side = ((width - length.min(width)) / 2).max(0);
    let mut paragraph = Paragraph::new()
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(80)
                .line_rule(LineSpacingType::Exact),
        )
        .size(2);
    // The bottom border alone: docx-rs's default borders are a box.
    paragraph.property = paragraph.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(0),
        ),
    );
    paragraph
}

/// About how wide `text` prints in Times New Roman capitals of `pt` points, in twips (0,6
/// of the type size a letter): enough to size a rule under it, not to lay out text.
fn caps_width(text: &str, pt: i32) -> i32 {
    text.chars().count() as i32 * pt * 12
}

/// A cell `width` twips wide holding `paragraphs`.
fn cell(width: i32, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width as usize, WidthType::Dxa)
}

/// A table without borders of two columns, `widths` twips wide, across the text's width.
/// The cells have no padding: the text keeps to the page's margins, as the body does.
fn columns(widths: (i32, i32), rows: Vec<TableRow>) -> Table {
    Table::without_borders(rows)
        .set_grid(vec![widths.0 as usize, widths.1 as usize])
        .width(TEXT_WIDTH as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .indent(0)
        .margins(TableCellMargins::new().margin(0, 0, 0, 0))
}

/// The letterhead: on the left the body above the issuer (regular), the issuer (bold), a
/// rule half as long as its name and the number; on the right the quốc hiệu, the tiêu
/// ngữ, a rule as long as it (171 pt at 14 pt bold), and the place and date.
fn letterhead(issuing: &Issuing, year: i32) -> Table {
    let (left, right) = LETTERHEAD;
    let mut body = Vec::new();
    if !issuing.annex.parent.trim().is_empty() {
        body.push(centred().add_run(run(&issuing.annex.parent.to_uppercase(), 13)));
    }
    let issuer = issuing.issuer.to_uppercase();
    body.push(centred().add_run(run(&issuer, 13).bold()));
    body.push(rule(left, caps_width(&issuer, 13).min(left) / 2));
    let motto = vec![
        centred().add_run(run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13).bold()),
        centred().add_run(run("Độc lập - Tự do - Hạnh phúc", 14).bold()),
        rule(right, 3_420),
    ];
    let number = format!("Số:          /{}", issuing.decision.symbol);
    let place = match issuing.annex.place.trim() {
        "" => "……………",
        place => place,
    };
    let date = format!("{place}, ngày      tháng      năm {year}");
    columns(
        LETTERHEAD,
        vec![
            TableRow::new(vec![cell(left, body), cell(right, motto)]),
            TableRow::new(vec![
                cell(
                    left,
                    vec![
                        centred()
                            .line_spacing(spacing(6, 0))
                            .add_run(run(&number, 13)),
                    ],
                ),
                cell(
                    right,
                    vec![
                        centred()
                            .line_spacing(spacing(6, 0))
                            .add_run(run(&date, 14).italic()),
                    ],
                ),
            ]),
        ],
    )
}

/// The units a tier names in a sentence: «Khối sở, ban, ngành» → «sở, ban, ngành».
fn tier_words(tier_name: &str) -> &str {
    tier_name.strip_prefix("Khối ").unwrap_or(tier_name).trim()
}

/// «của các sở, ban, ngành; UBND quận, huyện; UBND xã, phường, thị trấn»: every tier the
/// round ranks.
fn whose(results: &RoundResults) -> String {
    let tiers: Vec<&str> = results
        .tiers
        .iter()
        .map(|t| tier_words(&t.tier_name))
        .collect();
    format!("của các {}", tiers.join("; "))
}

/// «QUYẾT ĐỊNH», its subject and a rule under it, the authority, the căn cứ lines, who
/// proposes it, and «QUYẾT ĐỊNH:».
fn title(results: &RoundResults, issuing: &Issuing) -> Vec<Paragraph> {
    let subject = format!(
        "Về việc công bố Chỉ số cải cách hành chính năm {} {}",
        results.year,
        whose(results)
    );
    let mut paragraphs = vec![
        centred()
            .line_spacing(spacing(18, 0))
            .add_run(run("QUYẾT ĐỊNH", 14).bold()),
        centred().add_run(run(&subject, 14).bold()),
        // A third of the subject's line.
        rule(TEXT_WIDTH, TEXT_WIDTH / 3),
        centred()
            .line_spacing(spacing(12, 12))
            .add_run(run(&format!("GIÁM ĐỐC {}", issuing.issuer.to_uppercase()), 14).bold()),
    ];
    for line in basis(results.year, issuing) {
        paragraphs.push(body().add_run(run(&line, 14).italic()));
    }
    paragraphs.push(
        centred()
            .line_spacing(spacing(6, 12))
            .add_run(run("QUYẾT ĐỊNH:", 14).bold()),
    );
    paragraphs
}

/// The căn cứ lines and «Theo đề nghị của …», each ending with «;» but the last, which
/// ends with «.».
pub fn basis(year: i64, issuing: &Issuing) -> Vec<String> {
    let configured = &issuing.decision.basis;
    let mut lines: Vec<String> = if configured.iter().all(|l| l.trim().is_empty()) {
        default_basis(year, issuing)
    } else {
        configured
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect()
    };
    let proposer = issuing.decision.proposer.trim();
    if !proposer.is_empty() {
        lines.push(format!("Theo đề nghị của {proposer}"));
    }
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let line = line.trim().trim_end_matches([';', '.', ',']);
            format!("{line}{}", if i == last { "." } else { ";" })
        })
        .collect()
}

/// Generic căn cứ lines: the province's decision on the issuer's functions, the
/// government's reform programme and the Bộ Nội vụ's methodology in force for `year`,
/// and the province's set of criteria, the province's numbers and dates left blank.
fn default_basis(year: i64, issuing: &Issuing) -> Vec<String> {
    let parent = match issuing.annex.parent.trim() {
        "" => "Ủy ban nhân dân tỉnh, thành phố",
        parent => parent,
    };
    let blank = "Căn cứ Quyết định số ……/QĐ-UBND ngày …… tháng …… năm ……";
    let programme = if year <= 2020 {
        "Căn cứ Nghị quyết số 30c/NQ-CP ngày 08 tháng 11 năm 2011 của Chính phủ ban hành \
         Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2011 - 2020"
    } else {
        "Căn cứ Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ ban hành \
         Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030"
    };
    // The Bộ Nội vụ's methodology for ministries and provinces, which the provinces' own
    // sets follow: QĐ 2948/QĐ-BNV (2017) until the 2021 index, 876/QĐ-BNV (2022), then
    // 1187/QĐ-BNV (2025).
    let (number, issued) = match year {
        ..=2021 => (2948, 2017),
        2022..=2024 => (876, 2022),
        _ => (1187, 2025),
    };
    vec![
        format!(
            "{blank} của {parent} quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của {}",
            issuing.issuer
        ),
        programme.to_string(),
        format!(
            "Căn cứ Quyết định số {number}/QĐ-BNV năm {issued} của Bộ trưởng Bộ Nội vụ về việc \
             xác định Chỉ số cải cách hành chính của các bộ, cơ quan ngang bộ, Ủy ban nhân dân \
             các tỉnh, thành phố trực thuộc trung ương"
        ),
        format!(
            "{blank} của {parent} ban hành Bộ Chỉ số cải cách hành chính và Kế hoạch \
             xác định Chỉ số cải cách hành chính năm {year} của các cơ quan, đơn vị"
        ),
    ]
}

/// «Điều n.» in bold, then its text.
fn article(number: usize, text: &str) -> Paragraph {
    body()
        .add_run(run(&format!("Điều {number}. "), 14).bold())
        .add_run(run(text, 14))
}

/// What the annex holds, one line each, as `excel::annex` numbers its sheets: «Phụ lục
/// I.n» (the ranking) per tier, then «Phụ lục II.n» (the component indexes) per tier; the
/// last line ends the list.
pub fn annexes(results: &RoundResults) -> Vec<String> {
    let year = results.year;
    let tiers = results.tiers.iter().enumerate();
    let mut lines: Vec<String> = tiers
        .clone()
        .map(|(i, tier)| {
            format!(
                "Phụ lục I.{}: Kết quả xác định Chỉ số cải cách hành chính năm {year} của các {};",
                i + 1,
                tier_words(&tier.tier_name)
            )
        })
        .chain(tiers.map(|(i, tier)| {
            format!(
                "Phụ lục II.{}: Chỉ số thành phần theo từng lĩnh vực cải cách hành chính năm \
                 {year} của các {};",
                i + 1,
                tier_words(&tier.tier_name)
            )
        }))
        .collect();
    if let Some(last) = lines.last_mut()
        && let Some(stem) = last.strip_suffix(';')
    {
        *last = format!("{stem}.");
    }
    lines
}

/// Điều 1 (the results, per the annexes), Điều 2 (the units' remedial plans), Điều 3
/// (in force; who carries it out).
fn articles(results: &RoundResults, issuing: &Issuing) -> Vec<Paragraph> {
    let year = results.year;
    let issuer = issuing.issuer;
    let mut paragraphs = vec![article(
        1,
        &format!(
            "Công bố kết quả Chỉ số cải cách hành chính năm {year} {} theo các Phụ lục kèm \
             theo Quyết định này, gồm:",
            whose(results)
        ),
    )];
    for line in annexes(results) {
        paragraphs.push(body().add_run(run(&line, 14)));
    }
    paragraphs.push(article(
        2,
        &format!(
            "Thủ trưởng các cơ quan, đơn vị có tên tại Điều 1 căn cứ kết quả Chỉ số cải cách \
             hành chính năm {year} được công bố, phân tích, đánh giá những ưu điểm, tồn tại, \
             hạn chế và nguyên nhân ở từng lĩnh vực, tiêu chí; xây dựng kế hoạch và giải pháp \
             khắc phục, gửi về {issuer} trong thời hạn {} ngày kể từ ngày ký Quyết định này \
             để tổng hợp, theo dõi.",
            issuing.decision.remedy_days
        ),
    ));
    paragraphs.push(
        article(
            3,
            &format!(
                "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Trưởng các phòng, \
                 đơn vị thuộc {issuer} và Thủ trưởng các cơ quan, đơn vị có tên tại Điều 1 \
                 chịu trách nhiệm thi hành Quyết định này./."
            ),
        )
        // The signature never starts a page alone.
        .keep_next(true),
    );
    paragraphs
}

/// Nơi nhận, a line each with its dash.
pub fn recipients(issuing: &Issuing) -> Vec<String> {
    let configured: Vec<&String> = issuing
        .decision
        .recipients
        .iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let lines = if configured.is_empty() {
        let parent = match issuing.annex.parent.trim() {
            "" => "UBND tỉnh, thành phố",
            parent => parent,
        };
        vec![
            "Như Điều 3;".to_string(),
            format!("{parent} (để b/c);"),
            "Lưu: VT, CCHC.".to_string(),
        ]
    } else {
        configured.into_iter().cloned().collect()
    };
    lines
        .iter()
        .map(|l| format!("- {}", l.trim().trim_start_matches('-').trim_start()))
        .collect()
}

/// Nơi nhận on the left (12 pt bold italic heading, 11 pt lines); on the right the
/// signer's title («KT. GIÁM ĐỐC» over «PHÓ GIÁM ĐỐC»), room to sign, and the name. One row
/// that never breaks across pages.
fn closing(issuing: &Issuing) -> Table {
    let (left, right) = CLOSING;
    let mut sent = vec![
        Paragraph::new()
            .line_spacing(spacing(12, 0))
            .add_run(run("Nơi nhận:", 12).bold().italic()),
    ];
    for line in recipients(issuing) {
        sent.push(Paragraph::new().add_run(run(&line, 11)));
    }
    let mut sign: Vec<Paragraph> = issuing
        .annex
        .signer_title
        .split('/')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|title| centred().add_run(run(title, 14).bold()))
        .collect();
    if let Some(first) = sign.first_mut() {
        *first = std::mem::take(first).line_spacing(spacing(12, 0));
    }
    // Room for the signature and the seal.
    sign.extend((0..4).map(|_| centred().add_run(run("", 14))));
    sign.push(centred().add_run(run(issuing.annex.signer_name.trim(), 14).bold()));
    columns(
        CLOSING,
        vec![TableRow::new(vec![cell(left, sent), cell(right, sign)]).cant_split()],
    )
}

#[cfg(test)]
mod tests {
    use super::{Decision, Issuing};
    use crate::excel::annex::Annex;

    fn issuing<'a>(annex: &'a Annex, decision: &'a Decision) -> Issuing<'a> {
        Issuing {
            issuer: "Sở Nội vụ",
            annex,
            decision,
        }
    }

    #[test]
    fn the_last_basis_line_ends_the_sentence() {
        let annex = Annex::default();
        let decision = Decision {
            basis: vec!["Căn cứ A;".into(), "Căn cứ B.".into(), "  ".into()],
            ..Default::default()
        };
        assert_eq!(
            super::basis(2023, &issuing(&annex, &decision)),
            ["Căn cứ A;", "Căn cứ B."]
        );
        let decision = Decision {
            proposer: "Trưởng phòng Cải cách hành chính".into(),
            ..decision
        };
        assert_eq!(
            super::basis(2023, &issuing(&annex, &decision)),
            [
                "Căn cứ A;",
                "Căn cứ B;",
                "Theo đề nghị của Trưởng phòng Cải cách hành chính."
            ]
        );
    }

    #[test]
    fn the_default_basis_names_the_methodology_of_the_rounds_year() {
        let annex = Annex {
            parent: "UBND thành phố Cần Thơ".into(),
            ..Default::default()
        };
        let decision = Decision::default();
        let of = |year| super::basis(year, &issuing(&annex, &decision)).join("\n");
        assert!(of(2020).contains("2948/QĐ-BNV") && of(2020).contains("30c/NQ-CP"));
        assert!(of(2023).contains("876/QĐ-BNV") && of(2023).contains("76/NQ-CP"));
        assert!(of(2025).contains("1187/QĐ-BNV"));
        assert!(of(2023).contains("của UBND thành phố Cần Thơ quy định chức năng"));
        assert!(of(2023).ends_with("năm 2023 của các cơ quan, đơn vị."));
    }

    #[test]
    fn recipients_have_one_dash_each() {
        let annex = Annex::default();
        let decision = Decision {
            recipients: vec!["- Như Điều 3;".into(), "Lưu: VT.".into()],
            ..Default::default()
        };
        assert_eq!(
            super::recipients(&issuing(&annex, &decision)),
            ["- Như Điều 3;", "- Lưu: VT."]
        );
        let decision = Decision::default();
        assert_eq!(
            super::recipients(&issuing(&annex, &decision))[1],
            "- UBND tỉnh, thành phố (để b/c);"
        );
    }
}
