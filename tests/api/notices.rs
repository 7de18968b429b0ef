//! Notices (thông báo): what the clock brings (a round opened, deadlines near, the
//! explanation window) written once per person by the scheduler of any number of
//! instances; what people do (an extension, an explanation answered, a publication)
//! telling whom it concerns; the list, its count in the header, and e-mails through a
//! real SMTP server.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{
    Browser, TestApp, get_page, json_of, send_json, small_round, spawn_app_with_notices, t,
};

/// `username`'s notices as the API lists them, signed in afresh (the clock moves).
async fn notices_of(app: &TestApp, username: &str) -> Value {
    let browser = Browser::default();
    app.sign_in_with(&browser, username).await;
    let (status, body) = json_of(browser.send(browser.get(app.url("/api/notices"))).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn of_kind<'a>(list: &'a Value, kind: &str) -> Vec<&'a Value> {
    list["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// Waits (10 s at most) until `username` has `count` notices of `kind`, then a few more
/// ticks of every scheduler, and returns the notices.
async fn settled(app: &TestApp, username: &str, kind: &str, count: usize) -> Value {
    for _ in 0..200 {
        if of_kind(&notices_of(app, username).await, kind).len() >= count {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    notices_of(app, username).await
}

#[tokio::test]
async fn the_scheduler_tells_each_person_once_of_the_opening_and_of_their_deadline_whatever_the_instances()
 {
    let app = spawn_app_with_notices(t("30/11/2023 08:00"), None).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    // A second instance on the same database, both schedulers ticking.
    app.another_instance(None).await;

    // The window opens on 01/12/2023: nothing before.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(notices_of(&app, "a.canbo").await["notices"], json!([]));

    app.clock.set(t("01/12/2023 08:00"));
    for who in ["a.canbo", "a.thutruong", "b.canbo", "b.thutruong"] {
        let list = settled(&app, who, "round_opened", 1).await;
        let opened = of_kind(&list, "round_opened");
        assert_eq!(opened.len(), 1, "{who}: {list}");
        assert_eq!(opened[0]["title"], "Mở tự chấm điểm: Chỉ số CCHC năm 2023");
        assert!(
            opened[0]["body"]
                .as_str()
                .expect("body")
                .contains(": 23:59 ngày 07/01/2024 (giờ Việt Nam)."),
            "{list}"
        );
    }
    // Nobody else is a unit's.
    for who in ["quantri", "thamdinh", "lanhdao"] {
        assert_eq!(notices_of(&app, who).await["notices"], json!([]), "{who}");
    }

    // Unit B submits; A has not by 01/01/2024, 6 days and 16 hours before its deadline.
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "b.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &csrf,
        "POST",
        &format!(
            "/api/rounds/{}/units/{}/submit?confirm_gaps=true",
            r.round, r.units[1]
        ),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    app.clock.set(t("01/01/2024 08:00"));
    let list = settled(&app, "a.canbo", "deadline_near", 1).await;
    let near = of_kind(&list, "deadline_near");
    assert_eq!(near.len(), 1, "{list}");
    assert!(
        near[0]["body"]
            .as_str()
            .expect("body")
            .starts_with("UBND phường An Khánh chưa gửi tự đánh giá, chấm điểm. Hạn chót: 23:59 ngày 07/01/2024 (giờ Việt Nam), còn 6 ngày 15 giờ."),
        "{list}"
    );
    assert_eq!(
        near[0]["title"],
        "Còn dưới 7 ngày đến hạn tự chấm điểm: Chỉ số CCHC năm 2023"
    );
    assert_eq!(
        near[0]["link"],
        format!("/ky/{}/don-vi/{}/tu-cham-diem", r.round, r.units[0])
    );
    assert_eq!(
        of_kind(&notices_of(&app, "a.thutruong").await, "deadline_near").len(),
        1
    );
    for who in ["b.canbo", "b.thutruong"] {
        assert!(
            of_kind(&notices_of(&app, who).await, "deadline_near").is_empty(),
            "{who} submitted and is not reminded"
        );
    }

    // Three days ahead: the second reminder, once.
    app.clock.set(t("05/01/2024 08:00"));
    let list = settled(&app, "a.canbo", "deadline_near", 2).await;
    let titles: Vec<&str> = of_kind(&list, "deadline_near")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        vec![
            "Còn dưới 3 ngày đến hạn tự chấm điểm: Chỉ số CCHC năm 2023",
            "Còn dưới 7 ngày đến hạn tự chấm điểm: Chỉ số CCHC năm 2023"
        ]
    );

    // A restarted instance finds nothing left to write.
    app.another_instance(None).await;
    let list = settled(&app, "a.canbo", "deadline_near", 2).await;
    assert_eq!(of_kind(&list, "deadline_near").len(), 2, "{list}");
    assert_eq!(of_kind(&list, "round_opened").len(), 1, "{list}");

    // An extension tells the unit, and the reminders follow its new deadline.
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let extension = json!({ "phase": "self_assessment", "kind": "extension",
        "until": "20/01/2024 17:00", "reason": "Sự cố đường truyền" });
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/rounds/{}/units/{}/overrides", r.round, r.units[0]),
        extension,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let list = notices_of(&app, "a.thutruong").await;
    let granted = of_kind(&list, "override_granted");
    assert_eq!(granted.len(), 1, "{list}");
    assert!(
        granted[0]["body"]
            .as_str()
            .expect("body")
            .contains("gia hạn tự chấm điểm đến 17:00 ngày 20/01/2024 (giờ Việt Nam). Lý do: Sự cố đường truyền"),
        "{list}"
    );
    assert!(of_kind(&notices_of(&app, "b.canbo").await, "override_granted").is_empty());
    app.clock.set(t("19/01/2024 20:00"));
    let list = settled(&app, "a.canbo", "deadline_near", 3).await;
    let latest = of_kind(&list, "deadline_near")[0];
    assert_eq!(
        latest["title"],
        "Còn dưới 1 ngày đến hạn tự chấm điểm: Chỉ số CCHC năm 2023"
    );
    assert!(
        latest["body"]
            .as_str()
            .expect("body")
            .contains("17:00 ngày 20/01/2024")
    );
    assert_eq!(of_kind(&list, "deadline_near").len(), 3, "{list}");
}

#[tokio::test]
async fn explanations_asked_and_answered_and_a_publication_tell_whom_they_concern_and_the_page_reads_them()
 {
    let app = spawn_app_with_notices(t("20/01/2024 09:00"), None).await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    for leaf in ["1.1", "2.1"] {
        let flag = json!({ "comment": "Đề nghị bổ sung tài liệu", "explanation_requested": true });
        let (status, body) = send_json(
            &app,
            &appraiser,
            &csrf,
            "PUT",
            &format!("{base}/appraisal/1/{leaf}"),
            flag,
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }

    // The window opens on 01/02/2024: the unit is told which leaves to explain.
    app.clock.set(t("02/02/2024 08:00"));
    let list = settled(&app, "a.canbo", "explanation_requested", 1).await;
    let asked = of_kind(&list, "explanation_requested");
    assert_eq!(asked.len(), 1, "{list}");
    assert!(
        asked[0]["body"]
            .as_str()
            .expect("body")
            .contains("giải trình 2 tiêu chí: 1.1, 2.1. Hạn giải trình: 23:59 ngày 15/02/2024"),
        "{list}"
    );

    // The answer tells the appraiser, once however often it is edited.
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    for text in [
        "Kế hoạch số 12/KH-UBND",
        "Kế hoạch số 12/KH-UBND, bản scan kèm theo",
    ] {
        let (status, body) = send_json(
            &app,
            &officer,
            &csrf,
            "PUT",
            &format!("{base}/explanations/1.1"),
            json!({ "text": text }),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let list = notices_of(&app, "thamdinh").await;
    let answered = of_kind(&list, "explanation_answered");
    assert_eq!(answered.len(), 1, "{list}");
    assert_eq!(
        answered[0]["title"],
        "UBND phường An Khánh đã giải trình tiêu chí 1.1"
    );

    // The publication tells everyone.
    app.clock.set(t("20/03/2024 08:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    crate::helpers::signed_off(app.store(), r.round).await;
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!(
            "/api/rounds/{}/publish?confirm=true&close_open_phases=true",
            r.round
        ),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    for who in ["a.canbo", "a.thutruong", "thamdinh", "lanhdao"] {
        let list = notices_of(&app, who).await;
        let published = of_kind(&list, "results_published");
        assert_eq!(published.len(), 1, "{who}: {list}");
        assert_eq!(published[0]["link"], format!("/ky/{}/ket-qua", r.round));
    }
    // Not the one who published.
    assert!(of_kind(&notices_of(&app, "quantri").await, "results_published").is_empty());

    // The header counts the unread; the page shows them as new, then they are read.
    let browser = Browser::default();
    app.sign_in_with(&browser, "a.canbo").await;
    let (_, home) = get_page(&app, &browser, "/").await;
    assert!(
        home.contains(r#"Thông báo <span class="count">2</span>"#),
        "{home}"
    );
    let (status, page) = get_page(&app, &browser, "/thong-bao").await;
    assert_eq!(status, 200);
    assert!(page.contains("2 thông báo mới"), "{page}");
    assert!(page.contains("Yêu cầu giải trình: Chỉ số CCHC năm 2023"));
    assert!(page.contains(r#"<span class="tag">Mới</span>"#));
    let (_, home) = get_page(&app, &browser, "/").await;
    assert!(!home.contains(r#"class="count""#), "read once shown");
    assert_eq!(notices_of(&app, "a.canbo").await["unread"], 0);
    let (_, page) = get_page(&app, &browser, "/thong-bao").await;
    assert!(!page.contains(r#"<span class="tag">Mới</span>"#));
    assert!(page.contains("Tài khoản chưa có địa chỉ thư điện tử"));
}

/// A local SMTP server (aiosmtpd, tests/support/smtp_sink.py) writing what it receives to
/// a file; stopped when dropped.
struct SmtpSink {
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
    _child: tokio::process::Child,
}

impl SmtpSink {
    async fn start(refuse: u32) -> SmtpSink {
        use tokio::io::AsyncBufReadExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("received.jsonl");
        let mut child = tokio::process::Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/smtp_sink.py"
            ))
            .arg(port.to_string())
            .arg(&out)
            .arg(format!("--refuse={refuse}"))
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::io::BufReader::new(stdout)
            .read_line(&mut line)
            .await
            .expect("read");
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start: is aiosmtpd installed (python3 -m pip install aiosmtpd; .ci/run installs it)?"
        );
        SmtpSink {
            port,
            out,
            _dir: dir,
            _child: child,
        }
    }

    fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    fn mailer(&self) -> parindex::mail::Mailer {
        parindex::mail::Mailer::new(
            &format!("smtp://127.0.0.1:{}", self.port),
            "Sở Nội vụ thành phố Cần Thơ <cchc@cantho.gov.vn>",
            "https://cchc.cantho.gov.vn",
        )
        .expect("mailer")
    }
}

#[tokio::test]
async fn notices_go_out_by_email_once_retried_while_the_server_refuses_and_never_to_who_turned_them_off()
 {
    let sink = SmtpSink::start(1).await;
    let app = spawn_app_with_notices(t("30/11/2023 08:00"), Some(sink.mailer())).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app.another_instance(Some(sink.mailer())).await;

    // Addresses set by the administrator; a bad one is refused beside its field.
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let directory = json_of(admin.send(admin.get(app.url("/api/directory"))).await)
        .await
        .1;
    let users = &directory["users"];
    let id_of = |name: &str| {
        users
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == name)
            .and_then(|u| u["id"].as_i64())
            .expect("user")
    };
    for (who, unit, address) in [
        ("a.canbo", "A", "canbo.ankhanh@cantho.gov.vn"),
        ("a.thutruong", "A", "ct.ankhanh@cantho.gov.vn"),
        ("b.canbo", "B", "canbo.hungloi@cantho.gov.vn"),
    ] {
        let role = if who.ends_with("canbo") {
            "officer"
        } else {
            "head"
        };
        let edit = json!({ "display_name": who, "role": role, "unit_code": unit,
            "active": true, "email": address });
        let (status, body) = send_json(
            &app,
            &admin,
            &csrf,
            "PUT",
            &format!("/api/users/{}", id_of(who)),
            edit,
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let bad = json!({ "display_name": "b.thutruong", "role": "head", "unit_code": "B",
        "active": true, "email": "ct.hungloi@cantho" });
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &format!("/api/users/{}", id_of("b.thutruong")),
        bad,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("email")),
        "{body}"
    );

    // The head of A turns e-mails off for themselves.
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, _) = send_json(
        &app,
        &head,
        &head_csrf,
        "PUT",
        "/api/me/email-notices",
        json!({ "email_notices": false }),
    )
    .await;
    assert_eq!(status, 204);

    // The round opens: the server refuses the first e-mail (451), the other goes out.
    app.clock.set(t("01/12/2023 08:00"));
    for _ in 0..200 {
        if !sink.received().is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 1, "{:?}", sink.received());
    // The refused one waits 30 s before it is tried again.
    app.clock.set(t("01/12/2023 08:00") + Duration::seconds(31));
    for _ in 0..200 {
        if sink.received().len() >= 2 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    tokio::time::sleep(StdDuration::from_millis(500)).await;

    let mut received = sink.received();
    received.sort_by_key(|m| m["to"][0].as_str().map(str::to_string));
    let to: Vec<&str> = received
        .iter()
        .map(|m| m["to"][0].as_str().expect("to"))
        .collect();
    assert_eq!(
        to,
        vec!["canbo.ankhanh@cantho.gov.vn", "canbo.hungloi@cantho.gov.vn"],
        "one e-mail each, none to whom turned them off or has no address"
    );
    let first = &received[0];
    assert_eq!(first["subject"], "Mở tự chấm điểm: Chỉ số CCHC năm 2023");
    assert_eq!(first["from"], "cchc@cantho.gov.vn");
    let body = first["body"].as_str().expect("body");
    assert!(
        body.contains(&format!(
            "https://cchc.cantho.gov.vn/ky/{}/don-vi/{}/tu-cham-diem",
            r.round, r.units[0]
        )),
        "{body}"
    );
    assert!(
        body.contains("Hạn chót của UBND phường An Khánh: 23:59 ngày 07/01/2024 (giờ Việt Nam)"),
        "{body}"
    );
    let list = notices_of(&app, "a.canbo").await;
    assert_eq!(of_kind(&list, "round_opened")[0]["mail_state"], "sent");
    let list = notices_of(&app, "a.thutruong").await;
    assert_eq!(of_kind(&list, "round_opened")[0]["mail_state"], "none");
}
