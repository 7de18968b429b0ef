//! `criteria check`: every rule rejects a broken file with a precise message.

use parindex::domain::criteria_file::{Problem, parse};

/// A small valid set; each test breaks one thing in it.
pub const VALID: &str = r#"
[set]
code = "KIEM-THU"
version = "1"
title = "Bộ tiêu chí kiểm thử"
tier = "t"
total = 10

[[node]]
code = "1"
text = "Chỉ đạo, điều hành CCHC"
max = 4

[[node]]
code = "1.1"
text = "Ban hành kế hoạch CCHC năm kịp thời"
max = 1
method = "yes_no"
guidance = "Ban hành đúng hạn: 1 điểm."

[[node]]
code = "1.2"
text = "Mức độ hoàn thành kế hoạch CCHC"
max = 1.5
method = "tiered"
numerator = "Số nhiệm vụ hoàn thành"
denominator = "Tổng số nhiệm vụ"
tiers = [ { min_rate = 100, fraction = 1 }, { min_rate = 80, fraction = 0.5 } ]
guidance = "100%: 1,5 điểm; từ 80% đến dưới 100%: 0,75 điểm."

[[node]]
code = "1.3"
text = "Tỷ lệ hồ sơ trễ hạn có văn bản xin lỗi"
max = 1.5
method = "proportional"
numerator = "Số hồ sơ trễ hạn có văn bản xin lỗi"
denominator = "Số hồ sơ trễ hạn"
na_allowed = true
na_hint = "Không áp dụng khi không có hồ sơ trễ hạn"
guidance = "Tỷ lệ × 1,5 điểm."

[[node]]
code = "2"
text = "Hiện đại hóa hành chính"
max = 3

[[node]]
code = "2.1"
text = "Cung cấp thông tin trên cổng thông tin điện tử"
max = 2
method = "judged"
guidance = "Từ 0 đến 2 điểm, bước 0,25."

[[node]]
code = "2.2"
text = "Báo cáo đúng hạn"
max = 1
method = "deduction"
per_occurrence = 0.25
occurrence = "Số báo cáo chậm"
guidance = "Trừ 0,25 điểm mỗi báo cáo chậm."

[[node]]
code = "3"
text = "Tác động của CCHC"
max = 3

[[node]]
code = "3.1"
text = "Mức độ hài lòng của người dân, tổ chức"
max = 3
method = "survey"

[bonus]
cap = 1
[[bonus.item]]
code = "T1"
text = "Sáng kiến CCHC được công nhận"
points = 0.5

[penalty]
cap = 1
[[penalty.item]]
code = "D1"
text = "Phản ánh có căn cứ về nhũng nhiễu"
points = 0.5
"#;

fn problems(text: &str) -> Vec<Problem> {
    parse("hong.toml", text).expect_err("the file must be rejected")
}

/// The one problem a broken file must have, printed as `criteria check` prints it.
fn only_problem(text: &str) -> String {
    let p = problems(text);
    assert_eq!(p.len(), 1, "expected exactly one problem, got {p:#?}");
    p[0].to_string()
}

#[test]
fn the_valid_fixture_is_accepted() {
    let set = parse("ok.toml", VALID).expect("valid");
    assert_eq!(set.leaves().count(), 6);
    assert_eq!(set.areas().count(), 3);
}

#[test]
fn an_unknown_method_is_named_with_the_allowed_ones() {
    let msg = only_problem(&VALID.replace(r#"method = "yes_no""#, r#"method = "co_khong""#));
    assert_eq!(
        msg,
        "hong.toml, mục 1.1, trường «method»: phương pháp chấm «co_khong» không tồn tại; dùng một trong: yes_no, tiered, proportional, judged, deduction, survey"
    );
}

#[test]
fn children_that_do_not_sum_to_their_parent() {
    let text = VALID.replace(
        "code = \"1\"\ntext = \"Chỉ đạo, điều hành CCHC\"\nmax = 4",
        "code = \"1\"\ntext = \"Chỉ đạo, điều hành CCHC\"\nmax = 4.5",
    );
    let p = problems(&text);
    let messages: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert!(
        messages.contains(&"hong.toml, mục 1, trường «max»: tổng điểm tối đa của các mục con (4) khác điểm tối đa của mục (4,5)".to_string()),
        "{messages:#?}"
    );
    // The areas no longer add up to the declared total either.
    assert!(messages.iter().any(|m| m.contains(
        "trường «total»: tổng điểm tối đa của các lĩnh vực (10,5) khác tổng điểm khai báo (10)"
    )));
}

#[test]
fn a_duplicate_code() {
    let msg = only_problem(&VALID.replace("code = \"2.2\"", "code = \"2.1\""));
    assert!(
        msg.starts_with("hong.toml, mục 2.1, trường «code»: mã bị trùng"),
        "{msg}"
    );
}

#[test]
fn a_malformed_code() {
    for bad in ["2.x", "2..1", "02.1", "2.1."] {
        let p = problems(&VALID.replace("code = \"2.2\"", &format!("code = \"{bad}\"")));
        assert!(
            p.iter().any(|p| p.node.as_deref() == Some(bad)
                && p.field == Some("code")
                && p.message.starts_with("mã không hợp lệ")),
            "{bad}: {p:#?}"
        );
    }
}

#[test]
fn a_node_whose_parent_is_missing() {
    let p = problems(&VALID.replace("code = \"2.2\"", "code = \"4.2\""));
    assert!(
        p.iter().any(|p| p.to_string()
            == "hong.toml, mục 4.2, trường «code»: mục cha 4 chưa được khai báo ở phía trên"),
        "{p:#?}"
    );
}

#[test]
fn thresholds_out_of_order() {
    let msg = only_problem(&VALID.replace(
        "tiers = [ { min_rate = 100, fraction = 1 }, { min_rate = 80, fraction = 0.5 } ]",
        "tiers = [ { min_rate = 80, fraction = 1 }, { min_rate = 100, fraction = 0.5 } ]",
    ));
    assert_eq!(
        msg,
        "hong.toml, mục 1.2, trường «tiers»: các mức phải xếp theo tỷ lệ giảm dần: mức 2 (100%) không nhỏ hơn mức 1 (80%)"
    );
    let msg = only_problem(&VALID.replace(
        "tiers = [ { min_rate = 100, fraction = 1 }, { min_rate = 80, fraction = 0.5 } ]",
        "tiers = [ { min_rate = 100, fraction = 0.5 }, { min_rate = 80, fraction = 1 } ]",
    ));
    assert_eq!(
        msg,
        "hong.toml, mục 1.2, trường «tiers»: mức 2 cho nhiều điểm hơn mức 1 có tỷ lệ cao hơn"
    );
}

#[test]
fn thresholds_out_of_range() {
    let p = problems(&VALID.replace(
        "{ min_rate = 80, fraction = 0.5 }",
        "{ min_rate = 80, fraction = 1.5 }",
    ));
    assert!(
        p.iter().any(|p| p.to_string().contains(
            "mục 1.2, trường «tiers»: mức 2: phần điểm 1,5 phải lớn hơn 0 và không quá 1"
        )),
        "{p:#?}"
    );
    let p = problems(&VALID.replace(
        "{ min_rate = 100, fraction = 1 }",
        "{ min_rate = 120, fraction = 1 }",
    ));
    assert!(
        p.iter().any(|p| p
            .to_string()
            .contains("mức 1: tỷ lệ tối thiểu 120% phải từ 0 đến 100")),
        "{p:#?}"
    );
}

#[test]
fn a_step_that_does_not_divide_the_maximum() {
    let msg =
        only_problem(&VALID.replace("method = \"judged\"", "method = \"judged\"\nstep = 0.75"));
    assert_eq!(
        msg,
        "hong.toml, mục 2.1, trường «step»: bước điểm 0,75 không chia hết điểm tối đa 2"
    );
}

#[test]
fn more_than_two_decimals() {
    let p = problems(&VALID.replace(
        "max = 1.5\nmethod = \"tiered\"",
        "max = 1.125\nmethod = \"tiered\"",
    ));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].message.contains("«1.125» có quá hai chữ số thập phân"),
        "{}",
        p[0]
    );
    assert!(
        p[0].message.contains("dòng"),
        "the TOML error names its line: {}",
        p[0]
    );
}

#[test]
fn a_deduction_larger_than_the_maximum() {
    let msg = only_problem(&VALID.replace("per_occurrence = 0.25", "per_occurrence = 2"));
    assert_eq!(
        msg,
        "hong.toml, mục 2.2, trường «per_occurrence»: điểm trừ mỗi lần phải lớn hơn 0 và không quá điểm tối đa 1"
    );
}

#[test]
fn a_leaf_without_a_method_and_a_parent_with_one() {
    let p = problems(&VALID.replace("method = \"yes_no\"\n", ""));
    assert!(
        p.iter()
            .any(|p| p.node.as_deref() == Some("1.1") && p.field == Some("guidance")),
        "{p:#?}"
    );
    assert!(
        p.iter().any(|p| p.node.as_deref() == Some("1.1")
            && p.message
                .starts_with("tiêu chí thành phần cần phương pháp chấm")),
        "{p:#?}"
    );

    let p = problems(&VALID.replace(
        "text = \"Hiện đại hóa hành chính\"\nmax = 3",
        "text = \"Hiện đại hóa hành chính\"\nmax = 3\nmethod = \"yes_no\"\nguidance = \"x\"",
    ));
    assert!(p.iter().any(|p| p.to_string() == "hong.toml, mục 2, trường «method»: mục có mục con không được có phương pháp chấm; chỉ chấm ở tiêu chí thành phần"), "{p:#?}");
}

#[test]
fn rate_methods_need_their_labels_and_leaves_need_guidance() {
    let p = problems(&VALID.replace("numerator = \"Số nhiệm vụ hoàn thành\"\n", ""));
    assert!(
        p.iter()
            .any(|p| p.node.as_deref() == Some("1.2") && p.field == Some("numerator")),
        "{p:#?}"
    );
    let p = problems(&VALID.replace("guidance = \"Ban hành đúng hạn: 1 điểm.\"", ""));
    assert!(
        p.iter()
            .any(|p| p.to_string()
                == "hong.toml, mục 1.1, trường «guidance»: thiếu hướng dẫn chấm điểm"),
        "{p:#?}"
    );
}

#[test]
fn a_survey_area_mixed_with_self_scored_leaves() {
    let text = VALID.replace(
        "code = \"3.1\"\ntext = \"Mức độ hài lòng của người dân, tổ chức\"\nmax = 3\nmethod = \"survey\"",
        "code = \"3.1\"\ntext = \"Mức độ hài lòng của người dân, tổ chức\"\nmax = 2\nmethod = \"survey\"\n\n[[node]]\ncode = \"3.2\"\ntext = \"Tự đánh giá\"\nmax = 1\nmethod = \"yes_no\"\nguidance = \"x\"",
    );
    let msg = only_problem(&text);
    assert_eq!(
        msg,
        "hong.toml, mục 3, trường «method»: lĩnh vực trộn tiêu chí điều tra xã hội học với tiêu chí tự chấm"
    );
}

#[test]
fn unknown_fields_and_broken_toml_name_the_line() {
    let p = problems(&VALID.replace("code = \"1.1\"\n", "code = \"1.1\"\ndiem = 1\n"));
    assert!(
        p[0].message.starts_with("không đọc được tệp (dòng "),
        "{}",
        p[0]
    );
    assert!(p[0].message.contains("diem"), "{}", p[0]);
    let p = problems("[set\ncode = 1");
    assert!(
        p[0].message.starts_with("không đọc được tệp (dòng 1)"),
        "{}",
        p[0]
    );
}

#[test]
fn bonus_items_need_positive_points_and_unique_codes() {
    let p = problems(&VALID.replace("points = 0.5\n\n[penalty]", "points = 0\n\n[penalty]"));
    assert!(
        p.iter().any(|p| p.to_string()
            == "hong.toml, mục T1, trường «bonus»: số điểm mỗi lần phải lớn hơn 0"),
        "{p:#?}"
    );
    // "t1" beside "T1" is the same item to whoever reads the ranking.
    let p = problems(&VALID.replace(
        "[penalty]",
        "[[bonus.item]]\ncode = \"t1\"\ntext = \"Sáng kiến khác\"\npoints = 0.25\n\n[penalty]",
    ));
    assert!(
        p.iter().any(|p| p.to_string()
            == "hong.toml, mục t1, trường «bonus»: mã khoản điểm bị trống hoặc trùng (không phân biệt chữ hoa, chữ thường)"),
        "{p:#?}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = VALID
        .replace(r#"method = "yes_no""#, r#"method = "co_khong""#)
        .replace("per_occurrence = 0.25", "per_occurrence = 2")
        .replace("code = \"2.2\"", "code = \"2.1\"");
    let fields: Vec<_> = problems(&text)
        .iter()
        .map(|p| (p.node.clone().unwrap_or_default(), p.field))
        .collect();
    assert_eq!(
        fields,
        [
            ("1.1".to_string(), Some("method")),
            ("2.1".to_string(), Some("code")),
            ("2.1".to_string(), Some("per_occurrence"))
        ]
    );
}

#[test]
fn nodes_out_of_tree_order() {
    // Move 1.3 after area 2's leaves: its parent is declared, but not where it belongs.
    let start = VALID.find("[[node]]\ncode = \"1.3\"").expect("1.3");
    let end = VALID.find("[[node]]\ncode = \"2\"").expect("2");
    let moved = format!(
        "{}{}\n{}",
        &VALID[..start],
        &VALID[end..],
        &VALID[start..end]
    );
    let p = problems(&moved);
    assert!(
        p.iter().any(|p| p.to_string() == "hong.toml, mục 1.3, trường «code»: sai thứ tự: mục 1.3 phải nằm ngay trong nhóm các mục con của 1"),
        "{p:#?}"
    );
}

#[test]
fn leaf_fields_on_a_parent_and_fields_of_another_method_are_not_ignored() {
    let on_parent = VALID.replace(
        "text = \"Hiện đại hóa hành chính\"\nmax = 3",
        "text = \"Hiện đại hóa hành chính\"\nmax = 3\nna_allowed = true",
    );
    assert_eq!(
        only_problem(&on_parent),
        "hong.toml, mục 2, trường «na_allowed»: chỉ tiêu chí thành phần (có phương pháp chấm) mới có trường này; thiếu «method»?"
    );
    let occurrence_on_judged = VALID.replace(
        "method = \"judged\"",
        "method = \"judged\"\noccurrence = \"Số lần\"",
    );
    assert_eq!(
        only_problem(&occurrence_on_judged),
        "hong.toml, mục 2.1, trường «occurrence»: trường này không dùng cho phương pháp «judged»"
    );
    let denominator_on_yes_no = VALID.replace(
        "method = \"yes_no\"",
        "method = \"yes_no\"\ndenominator = \"Tổng số\"",
    );
    assert_eq!(
        only_problem(&denominator_on_yes_no),
        "hong.toml, mục 1.1, trường «denominator»: trường này không dùng cho phương pháp «yes_no»"
    );
    let hint_without_flag = VALID.replace(
        "method = \"yes_no\"",
        "method = \"yes_no\"\nna_hint = \"Khi không có\"",
    );
    assert_eq!(
        only_problem(&hint_without_flag),
        "hong.toml, mục 1.1, trường «na_hint»: có ghi chú không áp dụng nhưng thiếu «na_allowed = true»"
    );
}
