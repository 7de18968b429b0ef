//! Pages of a round with more units than one page lists: the progress page a hundred at a
//! time with the counts of all, the home page with the counts alone.

use parindex::store::MemberChange;

use crate::helpers::{Browser, small_round, spawn_app, system_audit, t};

#[tokio::test]
async fn a_large_round_is_listed_a_page_at_a_time() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    for i in 2..=320 {
        let id = app
            .store()
            .upsert_unit(&format!("X{i:03}"), &format!("UBND xã Số {i:03}"), "t")
            .await
            .expect("unit");
        // Created after the round: it takes part once added to it.
        app.store()
            .change_member(
                r.round,
                id,
                MemberChange::Add,
                system_audit(),
                t("01/12/2023"),
            )
            .await
            .expect("member");
    }
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let html = |path: String| {
        let url = app.url(&path);
        let admin = admin.clone();
        async move {
            let response = admin.send(admin.get(url)).await;
            assert_eq!(response.status(), 200);
            response.text().await.expect("html")
        }
    };
    let page = |query: &str| html(format!("/quan-tri/ky/{}{query}", r.round));
    let rows = |html: &str| html.matches("/tu-cham-diem\">").count();

    let first = page("").await;
    assert_eq!(rows(&first), 100, "a hundred units on the first page");
    assert!(first.contains("Trang 1/4 (320 đơn vị)"), "{first}");
    assert!(
        first.contains("Tất cả: <strong>320</strong>"),
        "counts of all"
    );
    assert!(
        first.contains("Chưa bắt đầu: <strong>320</strong>"),
        "{first}"
    );
    assert!(first.contains("&amp;trang=2#tien-do") || first.contains("&trang=2#tien-do"));
    // The forms' unit lists follow the page shown, and say so.
    assert!(first.contains("Danh sách chỉ gồm các đơn vị của trang 1"));
    // A hundred units in the table, the same hundred in each of the two forms.
    assert_eq!(
        first.matches("UBND xã Số").count(),
        3 * 99,
        "An Khánh is first"
    );

    let last = page("?trang=4").await;
    assert_eq!(rows(&last), 20);
    assert!(last.contains("Trang 4/4"));
    // A page past the end is the last page.
    assert_eq!(rows(&page("?trang=99").await), 20);
    // A search narrows the list to one page: all of it, and every unit in the forms.
    let found = page("?tim=xa%20so%2012").await;
    assert_eq!(rows(&found), 14, "Số 012, 112, 120–129, 212 and 312");
    assert!(!found.contains("Trang 1/"));
    assert!(!found.contains("Danh sách chỉ gồm"));
    // A bad page number is refused with a clear message, not a 500.
    let response = admin
        .send(admin.get(app.url(&format!("/quan-tri/ky/{}?trang=abc", r.round))))
        .await;
    assert_eq!(response.status(), 422);
    let refusal = response.text().await.expect("html");
    assert!(refusal.contains("trang"), "{refusal}");

    // A refused form comes back on its own address: the links lead back to the page, and
    // the unit chosen (here on the last page) stays chosen.
    let last_unit = app
        .store()
        .unit_by_code("X320")
        .await
        .expect("unit")
        .id
        .to_string();
    let response = admin
        .send(
            admin
                .post(app.url(&format!("/quan-tri/ky/{}/gia-han", r.round)))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("unit", last_unit.as_str()),
                    ("phase", "self_assessment"),
                    ("kind", "extension"),
                    ("until", "31/02/2024"),
                    ("reason", "Mất điện"),
                ]),
        )
        .await;
    assert_eq!(response.status(), 422);
    let refused = response.text().await.expect("html").replace("&#x2f;", "/");
    assert!(
        refused.contains(&format!(
            "<option value=\"{last_unit}\" selected>UBND xã Số 320"
        )),
        "{refused}"
    );
    let round = r.round;
    assert!(
        refused.contains(&format!("href=\"/quan-tri/ky/{round}?trang_thai=")),
        "{refused}"
    );
    assert!(refused.contains(&format!("action=\"/quan-tri/ky/{round}#tien-do\"")));
    assert!(
        !refused.contains("href=\"?"),
        "a link relative to the form's address"
    );

    // The home page gives the counts and links the progress page instead of 320 rows.
    let response = admin.send(admin.get(app.url("/"))).await;
    let home = response.text().await.expect("html");
    assert!(home.contains("Tất cả: <strong>320</strong>"), "{home}");
    assert!(home.contains("trang quản trị kỳ đánh giá"), "{home}");
    assert_eq!(rows(&home), 0);
    assert!(!home.contains("Tiến độ của 320 đơn vị"));

    // The appraisal queue too lists a hundred units a page, the counts above for all.
    let queue = |query: &str| html(format!("/ky/{}/tham-dinh{query}", r.round));
    let lines = |html: &str| html.matches("<td><span class=\"status ").count();
    let first = queue("").await;
    assert_eq!(lines(&first), 100, "a hundred units on the first page");
    assert!(first.contains("Trang 1/4 (320 đơn vị)"), "{first}");
    assert!(
        first.contains(": <strong>320</strong>"),
        "the count of all: {first}"
    );
    assert!(first.contains("&amp;trang=2#hang-doi") || first.contains("&trang=2#hang-doi"));
    assert_eq!(lines(&queue("?trang=4").await), 20);
    assert_eq!(
        lines(&queue("?trang=99").await),
        20,
        "past the end: the last page"
    );
    // A search narrows it to one page, and the pages keep the filter.
    let found = queue("?q=xa%20so%2012").await;
    assert_eq!(lines(&found), 14);
    assert!(!found.contains("Trang 1/"));
    let second = queue("?q=xa%20so&trang=2").await;
    assert!(second.contains("Trang 2/4 (319 đơn vị)"), "{second}");
    assert!(
        second.contains("q=xa%20so&amp;trang=3") || second.contains("q=xa%20so&trang=3"),
        "{second}"
    );

    // The results list a tier a hundred units a page as well, ranked over all of them.
    let results = |query: &str| html(format!("/ky/{}/ket-qua{query}", r.round));
    let ranked = |html: &str| html.matches("<span class=\"bar\"").count();
    let first = results("").await;
    assert_eq!(ranked(&first), 100, "a hundred units on the first page");
    assert!(first.contains("Trang 1/4 (320 đơn vị)"), "{first}");
    assert!(first.contains("UBND phường An Khánh"));
    assert!(
        first.contains("khoi=t&amp;trang=2#khoi-t") || first.contains("khoi=t&trang=2#khoi-t"),
        "{first}"
    );
    let last = results("?khoi=t&trang=4").await;
    assert_eq!(ranked(&last), 20);
    assert!(last.contains("UBND xã Số 320") && !last.contains("UBND phường An Khánh"));
    assert_eq!(ranked(&results("?khoi=t&trang=99").await), 20, "the last");
    // A page of another tier leaves this one on its first.
    let other = results("?khoi=khac&trang=4").await;
    assert!(other.contains("Trang 1/4") && other.contains("UBND phường An Khánh"));
    // A search, without diacritics, narrows every tier and keeps the ranks.
    let found = results("?tim=xa%20so%2012").await;
    assert_eq!(ranked(&found), 14, "{found}");
    assert!(found.contains("14/320 đơn vị có tên khớp"), "{found}");
    assert!(!found.contains("Trang 1/"));
    let none = results("?tim=khong%20co%20ten%20nay").await;
    assert_eq!(ranked(&none), 0);
    assert!(none.contains("Không có đơn vị nào có tên khớp"), "{none}");
    let response = admin
        .send(admin.get(app.url(&format!("/ky/{}/ket-qua?trang=abc", r.round))))
        .await;
    assert_eq!(response.status(), 422);
}

/// The benchmarks' generator and floor, checked against the application on a small
/// national round: every unit's self and appraised totals from the results equal the bare
/// aggregate's sums over the same rows.
#[tokio::test]
async fn the_benchmark_round_and_its_floor_agree_with_the_results() {
    let db = crate::helpers::TestDb::new().await;
    let now = chrono::Utc::now();
    let seeded = crate::support::national::seed(&db.store, 60, 12, 3, now)
        .await
        .expect("seed");
    assert_eq!((seeded.units, seeded.leaves, seeded.entries), (60, 12, 720));
    assert_eq!(seeded.officers.len(), 3);
    let floor = crate::support::national::bare_aggregate(&db.store, seeded.round_id)
        .await
        .expect("aggregate");
    assert_eq!(floor.len(), 60);
    let results = parindex::service::results::round_results(&db.store, seeded.round_id, now)
        .await
        .expect("results");
    let units: Vec<_> = results.tiers.iter().flat_map(|t| &t.units).collect();
    assert_eq!(units.len(), 60);
    for (unit, own, appraised) in floor {
        let r = units.iter().find(|u| u.unit_id == unit).expect("ranked");
        assert_eq!(r.self_total.hundredths(), own, "unit {unit}");
        assert_eq!(r.appraised_total.hundredths(), appraised, "unit {unit}");
    }
    // Every leaf appraised differs from its self-score somewhere: the floor reads both.
    assert!(units.iter().any(|u| u.self_total != u.appraised_total));
}
