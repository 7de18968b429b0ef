//! Units and users from Excel: the template is the directory itself; a dry run lists the
//! changes field by field; each error class names its sheet, row and column and writes
//! nothing; new accounts get a first password shown once; an account valid until a date
//! stops at the end of that day, Vietnam time.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;

use crate::helpers::{Browser, TestApp, json_of, small_round, spawn_app, t};

/// One cell of a hand-written import file.
#[derive(Clone, Copy)]
pub enum C<'a> {
    S(&'a str),
    N(f64),
    F(&'a str),
    D(NaiveDate),
    E,
}

fn write(sheet: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, cell: C) {
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    match cell {
        C::S(s) => sheet.write_string(row, col, s).map(|_| ()),
        C::N(n) => sheet.write_number(row, col, n).map(|_| ()),
        C::F(f) => sheet.write_formula(row, col, f).map(|_| ()),
        C::D(d) => sheet.write_date_with_format(row, col, d, &date).map(|_| ()),
        C::E => Ok(()),
    }
    .expect("write");
}

/// A units-and-users workbook as an administrator fills it (headings in a different
/// column order from the template, to show they are found by name).
pub fn directory_workbook(units: &[[C; 3]], users: &[[C; 5]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Đơn vị").expect("name");
    for (c, h) in ["Mã đơn vị", "Tên đơn vị", "Mã khối"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (r, row) in units.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write(sheet, 1 + r as u32, c as u16, *cell);
        }
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name("Người dùng").expect("name");
    let headings = [
        "Tên đăng nhập",
        "Họ và tên",
        "Vai trò",
        "Mã đơn vị",
        "Hiệu lực đến",
    ];
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (r, row) in users.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write(sheet, 1 + r as u32, c as u16, *cell);
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// Unit rows, user rows, and the one message the file must get.
type Case<'a> = (Vec<[C<'a>; 3]>, Vec<[C<'a>; 5]>, &'a str);

fn date(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// (units, users, audit entries) in the database.
async fn counts(app: &TestApp) -> (usize, usize, usize) {
    let s = app.store();
    (
        s.units(None).await.expect("units").len(),
        s.users().await.expect("users").len(),
        s.audit_log(&Default::default()).await.expect("audit").len(),
    )
}

pub(crate) async fn import(
    app: &TestApp,
    admin: &Browser,
    csrf: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> (u16, serde_json::Value) {
    let request = admin
        .post(app.url(&format!("/api/directory/import?dry_run={dry_run}")))
        .header("x-csrf-token", csrf)
        .body(bytes);
    json_of(admin.send(request).await).await
}

pub(crate) fn sheet_rows(bytes: &[u8], name: &str) -> Vec<String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    book.worksheet_range(name)
        .expect("sheet")
        .rows()
        .map(|row| {
            row.iter()
                .map(|v| match v {
                    Data::String(s) => s.clone(),
                    Data::Empty => "∅".into(),
                    Data::DateTime(d) => d
                        .as_datetime()
                        .map_or("?".into(), |t| t.format("%d/%m/%Y").to_string()),
                    other => format!("?{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[tokio::test]
async fn units_and_users_import_all_or_nothing_with_a_dry_run() {
    let app = spawn_app().await;
    small_round(
        app.store(),
        &[("B", "UBND phường Hưng Lợi"), ("A", "UBND phường An Khánh")],
        vec![],
    )
    .await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;

    // The template is the directory as it is, units in Vietnamese order.
    let response = admin
        .send(admin.get(app.url("/api/directory/template.xlsx")))
        .await;
    assert_eq!(response.status(), 200);
    let template = response.bytes().await.expect("body").to_vec();
    assert_eq!(
        sheet_rows(&template, "Đơn vị"),
        [
            "Mã đơn vị | Tên đơn vị | Mã khối | Đơn vị tiền thân",
            "A | UBND phường An Khánh | t | ∅",
            "B | UBND phường Hưng Lợi | t | ∅",
        ]
    );
    let users = sheet_rows(&template, "Người dùng");
    assert_eq!(
        users[0],
        "Tên đăng nhập | Họ và tên | Vai trò | Mã đơn vị | Hiệu lực đến | Thư điện tử"
    );
    assert!(
        users.contains(&"a.canbo | a.canbo | Cán bộ đơn vị | A | ∅ | ∅".to_string()),
        "{users:?}"
    );
    assert!(
        users.contains(&"quantri | quantri | Quản trị | ∅ | ∅ | ∅".to_string()),
        "{users:?}"
    );
    let usernames: Vec<&str> = users[1..]
        .iter()
        .filter_map(|r| r.split(" | ").next())
        .collect();
    assert_eq!(
        usernames,
        [
            "a.canbo",
            "a.thutruong",
            "b.canbo",
            "b.thutruong",
            "lanhdao",
            "quantri",
            "thamdinh"
        ],
        "by name, not by when they were created"
    );
    // The template imports back as it is: nothing to change.
    let (status, report) = import(&app, &admin, &csrf, template, true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["changes"], serde_json::json!([]));
    assert_eq!(report["unchanged"], 2 + 7);

    // Each error class, with its own message and place. A valid row rides along in each
    // file; nothing at all is written.
    let good_unit = [C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")];
    let good_user = [
        C::S("c.canbo"),
        C::S("Trần Thị Cúc"),
        C::S("Cán bộ đơn vị"),
        C::S("C"),
        C::E,
    ];
    let before = counts(&app).await;
    let cases: Vec<Case> = vec![
        (
            vec![[C::S("D"), C::F("=\"UBND \"&\"xã\""), C::S("t")]],
            vec![],
            "Trang «Đơn vị», dòng 3, cột B: ô chứa công thức; hãy dán giá trị thay cho công thức.",
        ),
        (
            vec![],
            vec![[
                C::S("d.canbo"),
                C::S("Lê Văn Dũng"),
                C::S("Cán bộ đơn vị"),
                C::S("ZZ"),
                C::E,
            ]],
            "Trang «Người dùng», dòng 3, cột D: mã đơn vị «ZZ» không có trong danh mục đơn vị.",
        ),
        (
            vec![[C::S("C"), C::S("UBND xã Mỹ Khánh (trùng)"), C::S("t")]],
            vec![],
            "Trang «Đơn vị», dòng 3, cột A: mã đơn vị «C» đã có ở dòng 2; mỗi đơn vị một dòng.",
        ),
        (
            vec![],
            vec![[
                C::S("C.CANBO"),
                C::S("Trần Thị Cúc"),
                C::S("Cán bộ đơn vị"),
                C::S("C"),
                C::E,
            ]],
            "Trang «Người dùng», dòng 3, cột A: tên đăng nhập «C.CANBO» đã có ở dòng 2; mỗi người dùng một dòng.",
        ),
        (
            vec![],
            vec![[
                C::S("tdv.an"),
                C::S("Phạm An"),
                C::S("Thành viên thẩm định"),
                C::E,
                C::S("31/02/2025"),
            ]],
            "Trang «Người dùng», dòng 3, cột E: «31/02/2025» không phải là ngày; nhập ngày dạng dd/mm/yyyy, ví dụ 31/12/2024.",
        ),
        (
            vec![],
            vec![[
                C::S("tdv.an"),
                C::S("Phạm An"),
                C::S("Thành viên thẩm định"),
                C::E,
                C::N(45657.0),
            ]],
            "Trang «Người dùng», dòng 3, cột E: số 45657 (ô chưa định dạng ngày) không phải là ngày; nhập ngày dạng dd/mm/yyyy, ví dụ 31/12/2024.",
        ),
        (
            vec![],
            vec![[
                C::S("tdv.an"),
                C::S("Phạm An"),
                C::S("Thành viên thẩm định"),
                C::E,
                C::S("hết năm 2024"),
            ]],
            "Trang «Người dùng», dòng 3, cột E: «hết năm 2024» không phải là ngày; nhập ngày dạng dd/mm/yyyy, ví dụ 31/12/2024.",
        ),
        (
            vec![[C::S("E"), C::S("UBND xã Tân Thạnh"), C::S("xa")]],
            vec![],
            "Trang «Đơn vị», dòng 3, cột C: mã khối «xa» không có; các khối hiện có: t.",
        ),
        (
            vec![],
            vec![[
                C::S("tp.an"),
                C::S("Phạm An"),
                C::S("Trưởng phòng"),
                C::E,
                C::E,
            ]],
            "Trang «Người dùng», dòng 3, cột C: vai trò «Trưởng phòng» không có; chọn một trong: Quản trị, Cán bộ đơn vị, Thủ trưởng đơn vị, Thành viên thẩm định, Người xem.",
        ),
        (
            vec![],
            vec![[
                C::S("lanhdao"),
                C::S("Lãnh đạo Sở"),
                C::S("Người xem"),
                C::S("A"),
                C::E,
            ]],
            "Trang «Người dùng», dòng 3, cột D: Người xem không gắn với đơn vị nào; hãy để trống ô «A».",
        ),
    ];
    for (units, users, message) in cases {
        let mut all_units = vec![good_unit];
        all_units.extend(units);
        let mut all_users = vec![good_user];
        all_users.extend(users);
        let (status, body) = import(
            &app,
            &admin,
            &csrf,
            directory_workbook(&all_units, &all_users),
            false,
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input")),
            "{body}"
        );
        assert_eq!(body["error"]["message"], message);
        assert_eq!(counts(&app).await, before, "{message}: nothing written");
    }

    // Several problems at once are all listed.
    let (_, body) = import(
        &app,
        &admin,
        &csrf,
        directory_workbook(
            &[[C::S("C"), C::E, C::S("xa")]],
            &[[
                C::S("Nguyễn An"),
                C::S("Nguyễn An"),
                C::S("Người xem"),
                C::E,
                C::E,
            ]],
        ),
        true,
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "Trang «Đơn vị», dòng 2, cột B: thiếu tên đơn vị «C».\n\
         Trang «Đơn vị», dòng 2, cột C: mã khối «xa» không có; các khối hiện có: t.\n\
         Trang «Người dùng», dòng 2, cột A: tên đăng nhập «Nguyễn An» cần 3–64 ký tự gồm chữ thường không dấu, chữ số và . _ - @."
    );

    // A good file: a new unit, a renamed one, a new officer of the new unit, an appraiser
    // for the appraisal season (a real date cell and a date typed as text), and a name
    // corrected.
    let good = directory_workbook(
        &[
            good_unit,
            [C::S("B"), C::S("UBND phường Hưng Lợi (mới)"), C::S("t")],
            [C::S("A"), C::S("UBND phường An Khánh"), C::S("t")],
        ],
        &[
            [
                C::S("c.canbo"),
                C::S("Trần Thị Cúc"),
                C::S("Cán bộ đơn vị"),
                C::S("C"),
                C::D(date(31, 12, 2024)),
            ],
            [
                C::S("tdv.tam"),
                C::S("Võ Minh Tâm"),
                C::S("Thành viên thẩm định"),
                C::E,
                C::S("15/03/2024"),
            ],
            [
                C::S("a.canbo"),
                C::S("Nguyễn Thị Ánh"),
                C::S("officer"),
                C::S("A"),
                C::E,
            ],
        ],
    );
    let (status, report) = import(&app, &admin, &csrf, good.clone(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["unchanged"], 1);
    let summary: Vec<String> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let fields: Vec<String> = c["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| {
                    format!(
                        "{}: {} → {}",
                        f["field"].as_str().unwrap_or("?"),
                        f["old"].as_str().unwrap_or("∅"),
                        f["new"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            format!(
                "{} {} {} [{}]",
                c["row"],
                c["key"].as_str().unwrap_or("?"),
                c["action"].as_str().unwrap_or("?"),
                fields.join("; ")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "2 C create [Tên đơn vị: ∅ → UBND xã Mỹ Khánh; Mã khối: ∅ → t]",
            "3 B update [Tên đơn vị: UBND phường Hưng Lợi → UBND phường Hưng Lợi (mới)]",
            "2 c.canbo create [Họ và tên: ∅ → Trần Thị Cúc; Vai trò: ∅ → Cán bộ đơn vị; Mã đơn vị: ∅ → C; Hiệu lực đến: ∅ → 31/12/2024]",
            "3 tdv.tam create [Họ và tên: ∅ → Võ Minh Tâm; Vai trò: ∅ → Thành viên thẩm định; Hiệu lực đến: ∅ → 15/03/2024]",
            "4 a.canbo update [Họ và tên: a.canbo → Nguyễn Thị Ánh]",
        ]
    );
    assert_eq!(report["passwords"], serde_json::json!([]));
    assert_eq!(counts(&app).await, before, "a dry run writes nothing");

    let (status, report) = import(&app, &admin, &csrf, good.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    let (units, users, audit) = before;
    assert_eq!(counts(&app).await, (units + 1, users + 2, audit + 5));
    let unit_b = app.store().unit_by_code("B").await.expect("B");
    assert_eq!(unit_b.name, "UBND phường Hưng Lợi (mới)");
    let unit_c = app.store().unit_by_code("C").await.expect("C");
    let passwords = report["passwords"].as_array().expect("passwords").clone();
    assert_eq!(passwords.len(), 2);
    let password_of = |name: &str| {
        passwords
            .iter()
            .find(|p| p["username"] == name)
            .and_then(|p| p["password"].as_str())
            .expect("password")
            .to_string()
    };
    assert_eq!(password_of("c.canbo").len(), 12);
    assert_ne!(password_of("c.canbo"), password_of("tdv.tam"));
    let audit_log = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit");
    assert!(
        audit_log.iter().all(|e| !e
            .new_value
            .as_deref()
            .unwrap_or("")
            .contains(&password_of("c.canbo"))),
        "passwords never reach the audit log"
    );

    // The officer of the new unit signs in with the first password and sees their unit.
    let officer = Browser::default();
    app.sign_in_with_password(&officer, "c.canbo", &password_of("c.canbo"))
        .await;
    let (status, me) = json_of(officer.send(officer.get(app.url("/api/me"))).await).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["unit_id"], unit_c.id, "{me}");
    assert_eq!(me["user"]["display_name"], "Trần Thị Cúc", "{me}");
    // The first password is the import's: it must be changed before anything else.
    let (status, body) = json_of(officer.send(officer.get(app.url("/api/rounds"))).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );

    // The same file again changes nothing and makes no password.
    let (status, report) = import(&app, &admin, &csrf, good, false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["changes"], serde_json::json!([]));
    assert_eq!(report["passwords"], serde_json::json!([]));
    assert_eq!(report["unchanged"], 6);

    // The appraiser's account holds to the last second of 15/03/2024, Vietnam time.
    let appraiser = Browser::default();
    app.clock.set(t("15/03/2024 23:59"));
    app.sign_in_with_password(&appraiser, "tdv.tam", &password_of("tdv.tam"))
        .await;
    let me = || async {
        appraiser
            .send(appraiser.get(app.url("/api/me")))
            .await
            .status()
    };
    app.clock.set(t("15/03/2024 23:59:59"));
    assert_eq!(me().await, 200);
    app.clock.set(t("16/03/2024 00:00:00"));
    assert_eq!(me().await, 401, "the session stops with the account");
    let request = appraiser
        .post(app.url("/api/session"))
        .json(&serde_json::json!({
            "username": "tdv.tam", "password": password_of("tdv.tam")
        }));
    let (status, body) = json_of(appraiser.send(request).await).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Tài khoản đã hết hiệu lực. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
}

#[tokio::test]
async fn an_administrator_cannot_change_their_own_role_by_import_and_others_cannot_import() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = counts(&app).await;
    let file = directory_workbook(
        &[],
        &[[
            C::S("quantri"),
            C::S("quantri"),
            C::S("Người xem"),
            C::E,
            C::E,
        ]],
    );
    let (status, body) = import(&app, &admin, &csrf, file.clone(), false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Trang «Người dùng», dòng 2: không đổi vai trò, đơn vị hay thời hạn của chính tài khoản đang nhập tệp; hãy nhờ một quản trị khác."
    );
    assert_eq!(counts(&app).await, before);

    for who in ["a.canbo", "a.thutruong", "thamdinh", "lanhdao"] {
        let b = Browser::default();
        let csrf = app.sign_in_with(&b, who).await;
        let (status, body) = import(&app, &b, &csrf, file.clone(), true).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{who}"
        );
        let template = b.send(b.get(app.url("/api/directory/template.xlsx"))).await;
        assert_eq!(template.status(), 403, "{who}");
    }
    // Without the CSRF header, refused before anything is read.
    let request = admin.post(app.url("/api/directory/import")).body(file);
    let (status, body) = json_of(admin.send(request).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("csrf"))
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn the_directory_page_imports_units_and_users_and_shows_first_passwords_once() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let page = |bytes: Vec<u8>, dry_run: bool| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("Danh mục.xlsx"),
            );
        if dry_run {
            form = form.text("dry_run", "on");
        }
        let request = admin
            .post(app.url("/quan-tri/nhap-danh-muc"))
            .multipart(form);
        let admin = admin.clone();
        async move {
            let response = admin.send(request).await;
            (
                response.status().as_u16(),
                response.text().await.expect("page").replace("&#x2f;", "/"),
            )
        }
    };
    let file = directory_workbook(
        &[[C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")]],
        &[[
            C::S("c.thutruong"),
            C::S("Đặng Văn Chính"),
            C::S("Thủ trưởng đơn vị"),
            C::S("C"),
            C::E,
        ]],
    );
    let (status, html) = page(file.clone(), true).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Kiểm tra trước (chưa ghi dữ liệu): 2 thay đổi, 0 dòng giữ nguyên"),
        "{html}"
    );
    assert!(!html.contains("mat-khau-moi"));
    assert!(app.store().unit_by_code("C").await.is_err());

    let (status, html) = page(file, false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Đã nhập từ Excel: 2 thay đổi"), "{html}");
    assert!(html.contains("id=\"mat-khau-moi\""), "{html}");
    assert!(html.contains("Đặng Văn Chính"), "{html}");
    assert!(app.store().unit_by_code("C").await.is_ok());

    let (status, html) = page(
        directory_workbook(
            &[],
            &[[
                C::S("x.canbo"),
                C::S("X"),
                C::S("Cán bộ đơn vị"),
                C::S("X"),
                C::N(1.5),
            ]],
        ),
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(
            "Trang «Người dùng», dòng 2, cột D: mã đơn vị «X» không có trong danh mục đơn vị."
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "Trang «Người dùng», dòng 2, cột E: số 1,5 (ô chưa định dạng ngày) không phải là ngày"
        ),
        "{html}"
    );
}

#[tokio::test]
async fn usernames_and_unit_codes_match_whatever_their_case() {
    let app = spawn_app().await;
    small_round(app.store(), &[("SNV", "Sở Nội vụ")], vec![]).await;
    // An account made before usernames had to be lower case.
    let legacy = app
        .store()
        .create_user("NguyenA", "Nguyễn A", "officer", None, t("01/12/2023"))
        .await
        .expect("legacy user");
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = counts(&app).await;
    let file = directory_workbook(
        &[[C::S("snv"), C::S("Sở Nội vụ thành phố"), C::S("t")]],
        &[[
            C::S("nguyena"),
            C::S("Nguyễn Văn An"),
            C::S("Cán bộ đơn vị"),
            C::S("snv"),
            C::E,
        ]],
    );
    let (status, report) = import(&app, &admin, &csrf, file, false).await;
    assert_eq!(status, 200, "{report}");
    let keys: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap_or("?"),
                c["action"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(keys, [("SNV", "update"), ("NguyenA", "update")]);
    assert_eq!(report["passwords"], serde_json::json!([]));
    let (units, users, audit) = before;
    assert_eq!(
        counts(&app).await,
        (units, users, audit + 2),
        "no unit or account twice"
    );
    let snv = app.store().unit_by_code("SNV").await.expect("SNV");
    assert_eq!(snv.name, "Sở Nội vụ thành phố");
    let account = app.store().actor(legacy).await.expect("account");
    assert_eq!(
        (account.display_name.as_str(), account.unit_id),
        ("Nguyễn Văn An", Some(snv.id))
    );
    // The audit log keeps what the fields held before.
    let log = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit");
    let entry = log
        .iter()
        .find(|e| e.action == "user.import.update")
        .expect("entry");
    assert_eq!(
        entry.old_value.as_deref(),
        Some("Họ và tên: Nguyễn A; Mã đơn vị: (trống)")
    );
}

#[tokio::test]
async fn a_directory_write_that_fails_half_way_leaves_nothing_behind() {
    use parindex::store::{UnitWrite, UserWrite};
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let before = counts(&app).await;
    let result = app
        .store()
        .apply_directory(
            &[UnitWrite {
                code: "C".into(),
                name: "UBND xã Mỹ Khánh".into(),
                tier_code: "t".into(),
                predecessors: None,
                previous: None,
            }],
            &[UserWrite {
                username: "khong.ton.tai".into(),
                display_name: "Không tồn tại".into(),
                role: "viewer".into(),
                unit_code: None,
                department_code: None,
                expires_at: None,
                password_hash: None,
                email: None,
                summary: "khong.ton.tai".into(),
                previous: None,
            }],
            crate::helpers::system_audit(),
            t("20/01/2024"),
        )
        .await;
    assert!(
        matches!(result, Err(parindex::store::StoreError::Conflict(_))),
        "{result:?}"
    );
    assert_eq!(
        counts(&app).await,
        before,
        "the unit written first is rolled back"
    );
    assert!(app.store().unit_by_code("C").await.is_err());
}

#[tokio::test]
async fn the_import_pages_refuse_other_roles_and_forms_without_the_token() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let file = directory_workbook(&[[C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")]], &[]);
    let before = counts(&app).await;
    let post = |browser: &Browser, path: &str, csrf: Option<String>| {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(file.clone()).file_name("Danh mục.xlsx"),
        );
        if let Some(csrf) = csrf {
            form = form.text("csrf", csrf);
        }
        let request = browser.post(app.url(path)).multipart(form);
        let browser = browser.clone();
        async move { browser.send(request).await.status().as_u16() }
    };
    for path in ["/quan-tri/nhap-danh-muc", "/quan-tri/bo-tieu-chi/nhap"] {
        for who in ["a.canbo", "a.thutruong", "thamdinh", "lanhdao"] {
            let b = Browser::default();
            let csrf = app.sign_in_with(&b, who).await;
            assert_eq!(post(&b, path, Some(csrf)).await, 403, "{who} {path}");
        }
        let admin = Browser::default();
        app.sign_in_with(&admin, "quantri").await;
        assert_eq!(post(&admin, path, None).await, 403, "no token: {path}");
        assert_eq!(
            post(&admin, path, Some("sai".into())).await,
            403,
            "wrong token: {path}"
        );
    }
    assert_eq!(counts(&app).await, before);
}

/// A users sheet with the optional column «Thư điện tử» (after the others).
fn users_with_email(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Người dùng").expect("name");
    let headings = [
        "Tên đăng nhập",
        "Họ và tên",
        "Vai trò",
        "Mã đơn vị",
        "Hiệu lực đến",
        "Thư điện tử",
    ];
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let c = if c == 4 { 5 } else { c };
            if !cell.is_empty() {
                sheet
                    .write_string(1 + r as u32, c as u16, *cell)
                    .expect("write");
            }
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn the_users_sheet_may_give_email_addresses_checked_and_kept_where_left_empty() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let emails = async || {
        let (_, directory) = json_of(admin.send(admin.get(app.url("/api/directory"))).await).await;
        directory["users"]
            .as_array()
            .expect("users")
            .iter()
            .filter(|u| u["unit_id"].is_i64())
            .map(|u| {
                format!(
                    "{} {}",
                    u["username"].as_str().unwrap_or(""),
                    u["email"].as_str().unwrap_or("—")
                )
            })
            .collect::<Vec<_>>()
    };

    // A wrong address: the file is refused, the cell named, nothing written.
    let file = users_with_email(&[
        [
            "a.canbo",
            "Trần Văn Bình",
            "Cán bộ đơn vị",
            "A",
            "canbo.ankhanh@cantho.gov.vn",
        ],
        [
            "a.thutruong",
            "Lê Thị Cúc",
            "Thủ trưởng đơn vị",
            "A",
            "ct.ankhanh@",
        ],
    ]);
    let (status, body) = import(&app, &admin, &csrf, file, true).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("dòng 3, cột F")
            && message.contains("«ct.ankhanh@» không phải là địa chỉ thư điện tử"),
        "{message}"
    );
    assert_eq!(emails().await, ["a.canbo —", "a.thutruong —"]);

    // Right: the dry run lists the change, the import applies it.
    let file = users_with_email(&[
        [
            "a.canbo",
            "Trần Văn Bình",
            "Cán bộ đơn vị",
            "A",
            "canbo.ankhanh@cantho.gov.vn",
        ],
        [
            "a.thutruong",
            "Lê Thị Cúc",
            "Thủ trưởng đơn vị",
            "A",
            "ct.ankhanh@cantho.gov.vn",
        ],
    ]);
    let (status, body) = import(&app, &admin, &csrf, file.clone(), true).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("Thư điện tử"), "{body}");
    let (status, body) = import(&app, &admin, &csrf, file, false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        emails().await,
        [
            "a.canbo canbo.ankhanh@cantho.gov.vn",
            "a.thutruong ct.ankhanh@cantho.gov.vn"
        ]
    );

    // An empty cell leaves the address as it is.
    let file = users_with_email(&[["a.canbo", "Trần Văn Bình", "Cán bộ đơn vị", "A", ""]]);
    let (status, body) = import(&app, &admin, &csrf, file, false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(emails().await[0], "a.canbo canbo.ankhanh@cantho.gov.vn");
}
