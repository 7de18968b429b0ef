//! Charts drawn on the server as SVG, inline in the page: no script, no external resource,
//! crisp in print. Each scales with its `viewBox` to the width of its box; a label sits
//! above its bars, so that on a phone (390 px wide) the text stays about as large as the
//! page's own.

use std::fmt::Write;

use crate::domain::Percent;

/// The drawing's width in its own units: about a phone's column, so that a label drawn at
/// 13 units shows at about 11 px there.
const WIDTH: f64 = 360.0;
/// The plot's left and right edges: 0 % and 100 %.
const LEFT: f64 = 4.0;
const RIGHT: f64 = WIDTH - 6.0;
/// The colours of the page (app.css's --brand, --ok) and of the grid.
const BRAND: &str = "#9b1c1c";
const OK: &str = "#1e6b3a";
const GRID: &str = "#c9d0d8";
const INK: &str = "#1d2733";
/// Labels longer than this are cut (the whole text stays in the tooltip and the table).
const LABEL_CHARS: usize = 50;

/// One labelled bar: its label (a unit's name, with its rank) and its value.
pub struct Bar {
    pub label: String,
    pub value: Option<Percent>,
}

/// A horizontal bar chart of a tier's indexes, in the order given (the ranking), each
/// bar's value written on it, on an axis from 0 to 100.
pub fn index_chart(title: &str, bars: &[Bar]) -> String {
    let row = 38.0;
    let top = 22.0;
    let height = top + row * bars.len() as f64 + 8.0;
    let mut svg = open(title, height);
    axis(&mut svg, top - 8.0, height - 4.0);
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        label(&mut svg, y + 11.0, &bar.label);
        value_bar(&mut svg, y + 15.0, 16.0, bar.value, BRAND);
    }
    svg.push_str("</svg>");
    svg
}

/// One area's label and the tier's average and best component index in it.
pub struct AreaBars {
    pub label: String,
    pub average: Option<Percent>,
    pub best: Option<Percent>,
}

/// The tier's average and best component index per area, two bars an area, with a legend.
pub fn area_chart(title: &str, areas: &[AreaBars]) -> String {
    let row = 58.0;
    let top = 40.0;
    let height = top + row * areas.len() as f64 + 8.0;
    let mut svg = open(title, height);
    // The legend.
    let _ = write!(
        svg,
        r#"<rect x="{LEFT}" y="4" width="12" height="12" fill="{BRAND}"/><text x="{}" y="14.5" font-size="13" fill="{INK}">Trung bình của khối</text><rect x="175" y="4" width="12" height="12" fill="{OK}"/><text x="191" y="14.5" font-size="13" fill="{INK}">Cao nhất trong khối</text>"#,
        LEFT + 16.0
    );
    axis(&mut svg, top - 10.0, height - 4.0);
    for (i, area) in areas.iter().enumerate() {
        let y = top + row * i as f64;
        label(&mut svg, y + 11.0, &area.label);
        value_bar(&mut svg, y + 15.0, 16.0, area.average, BRAND);
        value_bar(&mut svg, y + 33.0, 16.0, area.best, OK);
    }
    svg.push_str("</svg>");
    svg
}

/// The opening of a chart `height` units tall, titled for screen readers.
fn open(title: &str, height: f64) -> String {
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" xmlns="http://www.w3.org/2000/svg" font-family="Segoe UI, Roboto, Noto Sans, Arial, sans-serif"><title>{}</title>"#,
        escape(title)
    );
    svg
}

/// The x of `value` on the plot.
fn x_of(value: Percent) -> f64 {
    let share = (value.hundredths().clamp(0, 10_000)) as f64 / 10_000.0;
    LEFT + (RIGHT - LEFT) * share
}

/// The grid from 0 to 100 every 20, its numbers along the top, from `top` to `bottom`.
fn axis(svg: &mut String, top: f64, bottom: f64) {
    for tick in (0..=100).step_by(20) {
        let x = x_of(Percent::from_hundredths(tick * 100));
        let anchor = match tick {
            0 => "start",
            100 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r#"<line x1="{x}" x2="{x}" y1="{}" y2="{bottom}" stroke="{GRID}" stroke-width="0.6"/><text x="{x}" y="{}" font-size="11" fill="{INK}" text-anchor="{anchor}">{tick}</text>"#,
            top + 2.0,
            top - 1.0,
        );
    }
}

/// A label across the plot, cut when too long (whole in its tooltip).
fn label(svg: &mut String, baseline: f64, text: &str) {
    let shown: String = if text.chars().count() > LABEL_CHARS {
        let cut: String = text.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        text.to_string()
    };
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="{baseline}" font-size="13" fill="{INK}"><title>{}</title>{}</text>"#,
        escape(text),
        escape(&shown)
    );
}

/// A bar from 0 to `value` at `y`, `height` tall, its value written inside its end (or
/// just after it when the bar is too short to hold it); «—» where there is no value.
fn value_bar(svg: &mut String, y: f64, height: f64, value: Option<Percent>, fill: &str) {
    let baseline = y + height - 4.0;
    let Some(value) = value else {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{baseline}" font-size="12" fill="{INK}">—</text>"#,
            LEFT + 2.0
        );
        return;
    };
    let end = x_of(value);
    let text = value.to_vn();
    let _ = write!(
        svg,
        r#"<rect x="{LEFT}" y="{y}" width="{:.1}" height="{height}" fill="{fill}"/>"#,
        end - LEFT
    );
    // About 7 units a character at 12 units: room inside for the value and a margin.
    let room = 7.0 * text.chars().count() as f64 + 6.0;
    if end - LEFT >= room {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{baseline}" font-size="12" font-weight="bold" fill="#fff" text-anchor="end">{text}</text>"##,
            end - 3.0
        );
    } else {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{baseline}" font-size="12" font-weight="bold" fill="{INK}">{text}</text>"#,
            end + 3.0
        );
    }
}

/// Text as SVG (XML) takes it.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_writes_each_value_and_escapes_names() {
        let svg = index_chart(
            "Chỉ số CCHC",
            &[
                Bar {
                    label: "1. UBND <phường> An & Khánh".into(),
                    value: Some(Percent::from_hundredths(8_512)),
                },
                Bar {
                    label: "2. UBND xã Bình Hòa".into(),
                    value: Some(Percent::from_hundredths(500)),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("85,12") && svg.contains("5,00"), "{svg}");
        assert!(svg.contains("UBND &lt;phường&gt; An &amp; Khánh"), "{svg}");
        assert!(!svg.contains("<phường>"));
        // The axis runs from 0 to 100.
        assert!(svg.contains(">0</text>") && svg.contains(">100</text>"));
    }

    #[test]
    fn a_long_label_is_cut_and_kept_whole_in_its_tooltip() {
        let long = "UBND phường Trường Lạc, quận Ô Môn, thành phố Cần Thơ (sau sắp xếp năm 2025)";
        let mut svg = String::new();
        label(&mut svg, 10.0, long);
        assert!(svg.contains(&format!("<title>{long}</title>")));
        assert!(svg.contains('…'));
    }
}
