//! Vietnamese collation of names: "Dương" before "Đồng"; Ha < Hà < Hả < Hã < Há < Hạ.
//! Byte order and the root Unicode order both get these wrong.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};

static VIETNAMESE: LazyLock<Option<CollatorBorrowed<'static>>> = LazyLock::new(|| {
    Collator::try_new(
        icu_locale_core::locale!("vi").into(),
        CollatorOptions::default(),
    )
    .ok()
});

/// Source texts sometimes carry the Icelandic "Ð" (U+00D0) where "Đ" (U+0110) is meant;
/// they look alike and must sort and match as one letter.
pub fn fold_lookalikes(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\u{00D0}', '\u{00F0}']) {
        s.replace('\u{00D0}', "\u{0110}")
            .replace('\u{00F0}', "\u{0111}")
            .into()
    } else {
        s.into()
    }
}

/// Compares two names in Vietnamese order.
pub fn compare_vi(a: &str, b: &str) -> Ordering {
    let (a, b) = (fold_lookalikes(a), fold_lookalikes(b));
    match VIETNAMESE.as_ref() {
        Some(c) => c.compare(&a, &b).then_with(|| a.cmp(&b)),
        None => a.cmp(&b),
    }
}

/// Sorts names in place in Vietnamese order.
pub fn sort_vi<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|x, y| compare_vi(name(x), name(y)));
}

/// A text without tones or marks, «đ» as «d» and «Đ» as «D», case kept: «Sở Nội vụ» →
/// «So Noi vu». What a search compares, and what names a file for systems that garble
/// Vietnamese letters.
pub fn without_marks(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    fold_lookalikes(s)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// A name as a search matches it: lower case, without tones or marks, «đ» as «d», so that
/// «an khanh», «An Khánh» and «AN KHÁNH» find «UBND phường An Khánh».
pub fn search_key(s: &str) -> String {
    without_marks(s).to_lowercase()
}

/// Whether `name` matches what was typed in a search box (every word, in any order).
pub fn matches_search(name: &str, typed: &str) -> bool {
    let name = search_key(name);
    search_key(typed)
        .split_whitespace()
        .all(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_search_ignores_tones_case_and_order() {
        assert!(super::matches_search("UBND phường An Khánh", "an khanh"));
        assert!(super::matches_search("Sở Tư pháp", "TƯ PHÁP sở"));
        assert!(super::matches_search("Sở Nội vụ Đồng Tháp", "dong"));
        assert!(!super::matches_search("UBND phường An Khánh", "an bình"));
        assert!(super::matches_search("UBND phường An Khánh", "  "));
    }

    use super::*;

    #[test]
    fn vietnamese_letter_and_tone_order() {
        let mut names = vec![
            "Đồng", "Dương", "Hạ", "Há", "Hã", "Hả", "Hà", "Ha", "Ân", "Ăn", "An",
        ];
        sort_vi(&mut names, |s| s);
        assert_eq!(
            names,
            [
                "An", "Ăn", "Ân", "Dương", "Đồng", "Ha", "Hà", "Hả", "Hã", "Há", "Hạ"
            ]
        );
    }

    #[test]
    fn lookalike_eth_sorts_as_d_with_stroke() {
        assert_eq!(compare_vi("\u{00D0}ồng", "Đồng"), Ordering::Equal);
        assert_eq!(compare_vi("Sở Y tế", "Sở Tư pháp"), Ordering::Greater);
    }
}
