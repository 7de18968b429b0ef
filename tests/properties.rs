//! Property tests of the domain rules, over many generated cases.

use std::collections::BTreeMap;

use parindex::domain::criteria::CriteriaSet;
use parindex::domain::results::{TieBreak, UnitResult, UnitScores, compute, rank};
use parindex::domain::{LeafInput, Percent, Points, criteria_file};
use proptest::prelude::*;

const SET: &str = include_str!("../criteria/so-2023.toml");

fn set() -> CriteriaSet {
    criteria_file::parse("so-2023.toml", SET).expect("valid")
}

/// Random scores for every leaf of `set`, each between 0 and the leaf's maximum, and a
/// random choice of not-applicable leaves among those that allow it.
fn scores_for(set: &CriteriaSet) -> impl Strategy<Value = UnitScores> + use<> {
    let leaves: Vec<(String, i64, bool, bool)> = set
        .leaves()
        .map(|n| {
            (
                n.code.clone(),
                n.max.hundredths(),
                n.is_survey(),
                n.leaf.as_ref().is_some_and(|l| l.na_allowed),
            )
        })
        .collect();
    let per_leaf: Vec<_> = leaves
        .iter()
        .map(|(_, max, _, _)| (0..=*max, 0..=*max, any::<bool>()))
        .collect();
    (per_leaf, 0i64..=500, 0i64..=800).prop_map(move |(values, bonus, penalty)| {
        let mut s = UnitScores {
            unit_code: "X".into(),
            unit_name: "X".into(),
            ..Default::default()
        };
        for ((code, _, survey, na_allowed), (own, appraised, na)) in leaves.iter().zip(values) {
            if *na_allowed && na {
                s.not_applicable.insert(code.clone());
            }
            if *survey {
                s.survey.insert(code.clone(), Points::from_hundredths(own));
            } else {
                s.self_scores
                    .insert(code.clone(), Points::from_hundredths(own));
                s.appraised
                    .insert(code.clone(), Points::from_hundredths(appraised));
            }
        }
        s.bonus = Points::from_hundredths(bonus);
        s.penalty = Points::from_hundredths(penalty);
        s
    })
}

fn result(index: i64, name: &str) -> UnitResult {
    UnitResult {
        note: None,
        unit_id: 0,
        unit_code: name.into(),
        unit_name: name.into(),
        self_total: Points::ZERO,
        appraised_total: Points::ZERO,
        survey_total: Points::ZERO,
        bonus: Points::ZERO,
        penalty: Points::ZERO,
        final_total: Points::ZERO,
        applicable_max: Points::ZERO,
        index: Percent::from_hundredths(index),
        areas: vec![],
        provisional: false,
        rank: 0,
        classification: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn totals_never_exceed_the_applicable_maximum(scores in scores_for(&set())) {
        let set = set();
        let r = compute(&set, &scores);
        prop_assert!(r.appraised_total + r.survey_total <= r.applicable_max);
        prop_assert!(r.self_total + r.survey_total <= r.applicable_max);
        prop_assert!(r.final_total >= Points::ZERO);
        prop_assert!(r.final_total <= r.applicable_max + set.bonus.cap);
        prop_assert!(r.bonus <= set.bonus.cap && r.penalty <= set.penalty.cap);
        // The areas add up to the totals.
        let area_sum: Points = r.areas.iter().map(|a| a.points).sum();
        prop_assert_eq!(area_sum, r.appraised_total + r.survey_total);
        let area_max: Points = r.areas.iter().map(|a| a.max).sum();
        prop_assert_eq!(area_max, r.applicable_max);
    }

    #[test]
    fn a_not_applicable_leaf_does_not_lower_a_perfect_index(na in proptest::collection::vec(any::<bool>(), 0..80)) {
        let set = set();
        let mut s = UnitScores::default();
        let mut na_iter = na.into_iter();
        for leaf in set.leaves() {
            let allowed = leaf.leaf.as_ref().is_some_and(|l| l.na_allowed);
            if allowed && na_iter.next().unwrap_or(false) {
                s.not_applicable.insert(leaf.code.clone());
                continue;
            }
            if leaf.is_survey() {
                s.survey.insert(leaf.code.clone(), leaf.max);
            } else {
                s.self_scores.insert(leaf.code.clone(), leaf.max);
            }
        }
        let r = compute(&set, &s);
        prop_assert_eq!(r.index, Percent::from_hundredths(10_000));
    }

    #[test]
    fn shared_ranks_are_one_plus_the_number_of_better_units(indexes in proptest::collection::vec(0i64..=10_000, 1..40)) {
        let mut results: Vec<UnitResult> = indexes.iter().enumerate().map(|(i, x)| result(*x, &format!("Đơn vị {i:02}"))).collect();
        rank(&mut results, TieBreak::None, |a, b| a.cmp(b));
        for r in &results {
            let better = indexes.iter().filter(|x| Percent::from_hundredths(**x) > r.index).count();
            prop_assert_eq!(r.rank as usize, better + 1);
        }
        prop_assert!(results.windows(2).all(|w| w[0].rank <= w[1].rank));
    }

    #[test]
    fn ranking_does_not_depend_on_the_order_units_are_listed_in(
        indexes in proptest::collection::vec(0i64..=300, 1..30),
        seed in any::<u64>(),
    ) {
        let make = || indexes.iter().enumerate().map(|(i, x)| result(*x * 25, &format!("Đơn vị {i:02}"))).collect::<Vec<_>>();
        let mut listed = make();
        let mut shuffled = make();
        // A deterministic shuffle from the seed.
        let n = shuffled.len();
        let mut state = seed;
        for i in (1..n).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        rank(&mut listed, TieBreak::None, |a, b| a.cmp(b));
        rank(&mut shuffled, TieBreak::None, |a, b| a.cmp(b));
        let ranks = |rs: &[UnitResult]| rs.iter().map(|r| (r.unit_name.clone(), r.rank)).collect::<BTreeMap<_, _>>();
        prop_assert_eq!(ranks(&listed), ranks(&shuffled));
        // With names as the order of equals, the whole table is identical.
        prop_assert_eq!(listed, shuffled);
    }

    #[test]
    fn any_accepted_input_scores_within_zero_and_the_maximum(
        numerator in 0i64..100_000,
        extra in 0i64..100_000,
        occurrences in 0i64..50,
        judged in 0i64..3_000,
        met in any::<bool>(),
    ) {
        let set = set();
        let inputs = [
            LeafInput::Rate { numerator: Points::from_hundredths(numerator), denominator: Points::from_hundredths(numerator + extra + 1) },
            LeafInput::Occurrences { count: occurrences },
            LeafInput::Judged { points: Points::from_hundredths(judged) },
            LeafInput::YesNo { met },
        ];
        for leaf in set.leaves() {
            for input in inputs {
                if let Ok(points) = leaf.score(input) {
                    prop_assert!(points >= Points::ZERO && points <= leaf.max, "{} {:?} → {}", leaf.code, input, points);
                }
            }
        }
    }

    #[test]
    fn points_print_and_parse_back(h in -10_000_000i64..10_000_000) {
        let p = Points::from_hundredths(h);
        prop_assert_eq!(p.to_string().parse::<Points>(), Ok(p));
        if h.abs() < 100_000 {
            prop_assert_eq!(p.to_vn().parse::<Points>(), Ok(p));
        }
    }
}

#[test]
fn a_tie_break_on_the_appraised_total_separates_equal_indexes() {
    let mut a = result(8320, "UBND xã Bình Hòa");
    a.appraised_total = Points::from_hundredths(592);
    let mut b = result(8320, "UBND xã Ân Hòa");
    b.appraised_total = Points::from_hundredths(600);
    let c = result(9118, "UBND phường An Khánh");
    let mut shared = vec![a.clone(), b.clone(), c.clone()];
    rank(
        &mut shared,
        TieBreak::None,
        parindex::domain::collation::compare_vi,
    );
    let order = |rs: &[UnitResult]| {
        rs.iter()
            .map(|r| (r.unit_name.clone(), r.rank))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&shared),
        [
            ("UBND phường An Khánh".to_string(), 1),
            ("UBND xã Ân Hòa".to_string(), 2),
            ("UBND xã Bình Hòa".to_string(), 2)
        ]
    );
    let mut broken = vec![a, b, c];
    rank(
        &mut broken,
        TieBreak::AppraisedTotal,
        parindex::domain::collation::compare_vi,
    );
    assert_eq!(
        order(&broken),
        [
            ("UBND phường An Khánh".to_string(), 1),
            ("UBND xã Ân Hòa".to_string(), 2),
            ("UBND xã Bình Hòa".to_string(), 3)
        ]
    );
}

#[test]
fn ranks_use_the_rounded_index_the_table_shows() {
    let text = r#"
[set]
code = "T"
version = "1"
title = "Hai tiêu chí"
tier = "t"
total = 100
step = 0.01

[[node]]
code = "1"
text = "Lĩnh vực"
max = 100

[[node]]
code = "1.1"
text = "Phần lớn"
max = 98.5
method = "judged"
guidance = "0–98,5"

[[node]]
code = "1.2"
text = "Có thể không áp dụng"
max = 1.5
method = "judged"
guidance = "0–1,5"
na_allowed = true
"#;
    let set = criteria_file::parse("t.toml", text).expect("valid");
    let unit = |name: &str, a: i64, b: Option<i64>| {
        let mut s = UnitScores {
            unit_code: name.into(),
            unit_name: name.into(),
            ..Default::default()
        };
        s.self_scores
            .insert("1.1".into(), Points::from_hundredths(a));
        match b {
            Some(b) => {
                s.self_scores
                    .insert("1.2".into(), Points::from_hundredths(b));
            }
            None => {
                s.not_applicable.insert("1.2".into());
            }
        }
        s
    };
    // X: 85,01 of 100 = 85,01% exactly. Y: 83,73 of 98,5 = 85,00507…%, shown as 85,01%.
    let mut results = vec![
        compute(&set, &unit("X", 8351, Some(150))),
        compute(&set, &unit("Y", 8373, None)),
    ];
    assert_eq!(results[0].index, results[1].index);
    rank(&mut results, TieBreak::None, |a, b| a.cmp(b));
    assert_eq!(
        (results[0].rank, results[1].rank),
        (1, 1),
        "both shown as 85,01% share rank 1"
    );
}
