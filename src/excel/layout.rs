//! Laying out printed tables by hand. Neither Excel nor LibreOffice grows a row to the
//! wrapped text a program wrote, and neither keeps a block (a signature) with the rows
//! above it: both print the heights and breaks they are given. So every row gets the
//! height its text needs in Times New Roman, and every page its break, computed here from
//! the A4 landscape page all our documents print on, at 100 % (a «fit to width» scale
//! would shrink the type, and Excel ignores manual breaks under it).

use unicode_normalization::UnicodeNormalization;

/// The font of every exported workbook: administrative documents are set in it, and its
/// metric twin (Liberation Serif) is what LibreOffice prints where it is missing.
pub const FONT: &str = "Times New Roman";

/// The workbook's default size: a column «one character» wide is one digit of it, 8 px
/// (6 pt), in Excel and LibreOffice alike.
pub const DEFAULT_SIZE: f64 = 12.0;

/// A4 landscape, in points.
const PAPER: (f64, f64) = (841.89, 595.28);

/// Margins in inches, as `Worksheet::set_margins` takes them: left, right, top, bottom,
/// header, footer. The page number sits in the top margin (Nghị định 30/2020).
pub const MARGINS: (f64, f64, f64, f64, f64, f64) = (0.6, 0.4, 0.75, 0.45, 0.35, 0.25);

/// Of the page's height and width, what a plan fills: the rest absorbs what Excel and
/// LibreOffice measure differently (a header's spacing, a rounded pixel).
const SLACK: f64 = 0.95;

/// The height a plan may fill on a page, in points.
pub fn page_height() -> f64 {
    (PAPER.1 - (MARGINS.2 + MARGINS.3) * 72.0) * SLACK
}

/// The width columns may take on a page, in points.
pub fn page_width() -> f64 {
    (PAPER.0 - (MARGINS.0 + MARGINS.1) * 72.0) * 0.97
}

/// How wide a column `width` characters wide prints, in points: 8 px a character and 5 px
/// of padding, as Excel stores it.
pub fn column_points(width: f64) -> f64 {
    (width * 8.0 + 5.0).trunc() * 0.75
}

/// How wide columns print side by side, in points.
pub fn columns_points(widths: impl IntoIterator<Item = f64>) -> f64 {
    widths.into_iter().map(column_points).sum()
}

/// A character's advance in Times New Roman, in thousandths of the type size (the Adobe
/// metrics Times New Roman and Liberation Serif share). Vietnamese letters measure as their
/// base letter; unknown characters as a wide one.
fn advance(c: char, bold: bool) -> f64 {
    const REGULAR: &[(&str, f64)] = &[
        (" ,.", 250.0),
        ("ijlt:;/\\|'", 278.0),
        ("frI()[]-`!", 333.0),
        ("s", 389.0),
        ("J", 389.0),
        ("?acez", 444.0),
        ("0123456789bdghknopquvxy*_$#", 500.0),
        ("+<=>~", 564.0),
        ("FPS", 556.0),
        ("ELTZ", 611.0),
        ("BCR", 667.0),
        ("wADGHKNOQUVXY&", 722.0),
        ("m", 778.0),
        ("%M", 889.0),
        ("W@", 944.0),
    ];
    const BOLD: &[(&str, f64)] = &[
        (" ,.", 250.0),
        ("ilt/\\|'", 278.0),
        ("fjI()[]-:;`!", 333.0),
        ("s", 389.0),
        ("ceJr", 444.0),
        ("?0123456789agovxyz*_$#", 500.0),
        ("bdhknpqu", 556.0),
        ("+<=>~S", 570.0),
        ("FP", 611.0),
        ("BELTZ", 667.0),
        ("wACDNRUVXY", 722.0),
        ("GHKOQ&", 778.0),
        ("m", 833.0),
        ("M", 944.0),
        ("W%@", 1000.0),
    ];
    let base = match c {
        '\u{a0}' => ' ',
        'đ' => 'd',
        'Đ' | 'Ð' => 'D',
        '—' | '…' => return 1000.0,
        '–' | '«' | '»' => return 500.0,
        c if c.is_ascii() => c,
        c => c.nfd().next().filter(char::is_ascii).unwrap_or('M'),
    };
    let table = if bold { BOLD } else { REGULAR };
    table
        .iter()
        .find(|(chars, _)| chars.contains(base))
        .map_or(600.0, |(_, w)| *w)
}

/// How a cell's text is set: its size in points and whether it is bold.
#[derive(Clone, Copy, Debug)]
pub struct Type {
    pub size: f64,
    pub bold: bool,
}

impl Type {
    pub const fn regular(size: f64) -> Type {
        Type { size, bold: false }
    }

    pub const fn bold(size: f64) -> Type {
        Type { size, bold: true }
    }

    /// How wide `text` prints on one line, in points, a little generously (letters with a
    /// horn, ơ and ư, are wider than their base).
    pub fn width(self, text: &str) -> f64 {
        let thousandths: f64 = text.chars().map(|c| advance(c, self.bold)).sum();
        thousandths / 1000.0 * self.size * 1.04
    }

    /// The height of one line of text, in points.
    pub fn line(self) -> f64 {
        self.size * 1.2
    }

    /// The lines `text` wraps to in a column `width` characters wide, word by word as a
    /// spreadsheet wraps it (a word longer than the line is cut where it must be).
    pub fn lines(self, text: &str, width: f64) -> usize {
        // The cell's own padding, both sides.
        self.lines_in(text, column_points(width) - 6.0)
    }

    /// The lines `text` wraps to in `room` points.
    pub fn lines_in(self, text: &str, room: f64) -> usize {
        let room = room.max(self.size);
        let space = self.width(" ");
        text.split('\n')
            .map(|paragraph| {
                let (mut lines, mut used) = (1, 0.0);
                for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                    let w = self.width(word);
                    let needed = if used > 0.0 { used + space + w } else { w };
                    if needed <= room {
                        used = needed;
                    } else if used > 0.0 && w <= room {
                        lines += 1;
                        used = w;
                    } else {
                        // Cut: whole lines of it, the rest begins the next line.
                        let first = if used > 0.0 { room - used - space } else { 0.0 };
                        let rest = (w - first.max(0.0)).max(0.0);
                        let whole = (rest / room).floor();
                        lines += whole as usize + usize::from(used > 0.0);
                        used = rest - whole * room;
                    }
                }
                lines
            })
            .sum::<usize>()
            .max(1)
    }

    /// The height of a row whose cell holds `text` in a column `width` characters wide.
    pub fn height(self, text: &str, width: f64) -> f64 {
        self.lines(text, width) as f64 * self.line() + 3.0
    }

    /// The height of a row whose cells `cols` (merged) hold `text`.
    pub fn height_across(self, text: &str, widths: &[f64]) -> f64 {
        let room = columns_points(widths.iter().copied()) - 6.0;
        self.lines_in(text, room) as f64 * self.line() + 3.0
    }
}

/// The height of a row holding these cells, each (text, column width, type); at least one
/// line of `base`, at most Excel's 409 points.
pub fn row_height(base: Type, cells: &[(&str, f64, Type)]) -> f64 {
    cells
        .iter()
        .map(|(text, width, t)| t.height(text, *width))
        .fold(base.height("", 10.0), f64::max)
        .min(409.0)
}

/// A table printed over pages: what the first page holds above its rows, what every later
/// page repeats at its top (the header row, or a unit's name and header), the rows, and
/// what must follow the last row on its page.
pub struct Table<'a> {
    /// Height above the first row on the first page: the letterhead, the title, the header.
    pub first: f64,
    /// Height repeated at the top of every later page.
    pub repeat: f64,
    pub rows: &'a [f64],
    /// A block after the last row (the signature), never alone on its page nor split: it
    /// shares its page with at least `keep` last rows (all of them when fewer).
    pub tail: f64,
    pub keep: usize,
}

impl Table<'_> {
    /// The rows that begin a page, by index into `rows`, for pages `height` points high.
    /// The last `keep` rows and the tail go together as one block: to the next page when
    /// they do not fit on the current one.
    pub fn breaks(&self, height: f64) -> Vec<usize> {
        let rows = self.rows;
        let keep = if self.tail > 0.0 {
            self.keep.min(rows.len())
        } else {
            0
        };
        let together = rows.len() - keep;
        let mut breaks = Vec::new();
        let mut used = self.first;
        for (i, h) in rows[..together].iter().enumerate() {
            if used + h > height && i > 0 && breaks.last() != Some(&i) {
                breaks.push(i);
                used = self.repeat;
            }
            used += h;
        }
        let block: f64 = rows[together..].iter().sum::<f64>() + self.tail;
        // Never a page with nothing of the table: where the block is all the rows, the
        // first stays behind.
        let at = together.max(1);
        if keep > 0 && used + block > height && at < rows.len() {
            breaks.push(at);
        }
        breaks
    }
}

#[cfg(test)]
mod tests {
    use super::{Table, Type};

    /// Where the pages of `rows` (20 pt each unless given), under a 50 pt title and a
    /// repeated 10 pt header, break on pages `height` high, the last three rows kept with
    /// a `tail`.
    fn breaks(rows: &[f64], first: f64, tail: f64, height: f64) -> Vec<usize> {
        let table = Table {
            first,
            repeat: 10.0,
            rows,
            tail,
            keep: 3,
        };
        table.breaks(height)
    }

    #[test]
    fn text_wraps_word_by_word() {
        let t = Type::regular(12.0);
        assert_eq!(t.lines("Sở Nội vụ", 30.0), 1);
        let long = "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ";
        assert_eq!(t.lines(long, 30.0), 2);
        assert_eq!(t.lines(long, 12.0), 5);
        assert_eq!(t.lines("một\nhai", 30.0), 2);
        // Bold capitals are wider than their regular lower case.
        let header = Type::bold(12.0);
        assert!(header.width("CCHC") > t.width("cchc"));
        assert_eq!(header.lines("Chỉ số CCHC (%)", 7.0), 3);
    }

    #[test]
    fn a_page_breaks_before_the_row_that_does_not_fit() {
        // 50 + 5 × 20 = 150 on the first page, then 10 + 6 × 20 > 130.
        assert_eq!(breaks(&[20.0; 10], 50.0, 0.0, 150.0), vec![5]);
        assert_eq!(breaks(&[20.0; 10], 50.0, 0.0, 1000.0), Vec::<usize>::new());
    }

    #[test]
    fn the_signature_takes_the_last_rows_with_it() {
        let rows = [20.0; 10];
        // Fits after the last row: no break.
        assert_eq!(breaks(&rows, 50.0, 40.0, 300.0), Vec::<usize>::new());
        // Does not: the last three rows start a page with it.
        assert_eq!(breaks(&rows, 50.0, 60.0, 300.0), vec![7]);
        // Over pages: the first holds 50 + 12 × 20 = 290; with a small signature the last
        // three rows and it fit where the rows end.
        let long = [20.0; 20];
        assert_eq!(breaks(&long, 50.0, 40.0, 300.0), vec![12]);
        // A signature that fits after the two last rows only still takes three with it:
        // 10 + 5 × 20 = 110 for rows 12..17, then 60 + 140 more is over 300.
        assert_eq!(breaks(&long, 50.0, 140.0, 300.0), vec![12, 17]);
        // A single row stays on its page whatever follows it.
        assert_eq!(breaks(&[20.0], 50.0, 500.0, 300.0), Vec::<usize>::new());
        // Two rows and a block too tall to follow them on the first page: the second goes
        // with it, the first stays.
        assert_eq!(breaks(&[20.0, 20.0], 200.0, 100.0, 300.0), vec![1]);
    }
}
