//! The deadline lock is the same for every way of writing: the JSON API, the page's form,
//! and evidence uploads — at 23:59:59 on the deadline day a write goes through, one second
//! later it is refused and nothing changes; an extension opens it again for that unit.

use chrono::Duration;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{Browser, TestApp, audit_count, json_of, small_round, spawn_app, t};

/// A minimal well-formed PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[derive(Clone, Copy, Debug)]
enum Way {
    Api,
    Page,
    Upload,
}

/// Writes once the given way; returns the HTTP status.
async fn write(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    way: Way,
    round: i64,
    unit: i64,
    attempt: usize,
) -> u16 {
    let points = ["0.25", "0.5", "0.75", "1", "1.25", "1.5"][attempt % 6];
    match way {
        Way::Api => {
            let current = app
                .store()
                .self_entry(round, unit, "2.1")
                .await
                .expect("entry")
                .map(|e| e.version);
            let body = json!({ "input": { "kind": "judged", "points": points }, "expected_version": current });
            let request = reqwest::Client::new()
                .put(app.url(&format!(
                    "/api/rounds/{round}/units/{unit}/self-assessment/2.1"
                )))
                .header("x-csrf-token", csrf)
                .json(&body);
            browser.send(request).await.status().as_u16()
        }
        Way::Page => {
            let current = app
                .store()
                .self_entry(round, unit, "2.1")
                .await
                .expect("entry")
                .map(|e| e.version.to_string());
            let form = [
                ("csrf", csrf.to_string()),
                ("kind", "judged".into()),
                ("points", points.replace('.', ",")),
                ("expected_version", current.unwrap_or_default()),
            ];
            let request = crate::helpers::no_redirects()
                .post(app.url(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1")))
                .form(&form);
            browser.send(request).await.status().as_u16()
        }
        Way::Upload => {
            let mut pdf = PDF.to_vec();
            pdf.extend_from_slice(format!("% lần {attempt}\n").as_bytes()); // a new file each time
            let form = Form::new()
                .part(
                    "file",
                    Part::bytes(pdf).file_name(format!("Báo cáo {attempt}.pdf")),
                )
                .text("leaf", "2.1");
            let request = browser
                .post(app.url(&format!("/api/rounds/{round}/units/{unit}/evidence/files")))
                .header("x-csrf-token", csrf)
                .multipart(form);
            browser.send(request).await.status().as_u16()
        }
    }
}

#[tokio::test]
async fn one_second_before_and_after_the_deadline_for_api_pages_and_uploads() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    let officer = Browser::default();
    let deadline = t("07/01/2024"); // 23:59:59 Vietnam time
    let mut attempt = 0;
    for way in [Way::Api, Way::Page, Way::Upload] {
        // The last second of the deadline day: accepted.
        app.clock.set(deadline);
        let csrf = app.sign_in_with(&officer, "a.canbo").await;
        attempt += 1;
        let status = write(&app, &officer, &csrf, way, round, unit, attempt).await;
        assert!(
            matches!(status, 200 | 201 | 303),
            "{way:?} at the deadline: {status}"
        );

        // One second later: refused, and nothing is written.
        app.clock.set(deadline + Duration::seconds(1));
        let before = audit_count(&app).await;
        attempt += 1;
        let status = write(&app, &officer, &csrf, way, round, unit, attempt).await;
        assert_eq!(status, 403, "{way:?} one second after the deadline");
        assert_eq!(
            audit_count(&app).await,
            before,
            "{way:?} changed something after the deadline"
        );
    }

    // An extension for this unit: every way opens again until its own deadline.
    let admin = Browser::default();
    app.clock.set(deadline + Duration::hours(1));
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let extension = json!({ "phase": "self_assessment", "kind": "extension", "until": "09/01/2024 17:00", "reason": "Sự cố đường truyền" });
    let request = admin
        .post(app.url(&format!("/api/rounds/{round}/units/{unit}/overrides")))
        .header("x-csrf-token", &admin_csrf)
        .json(&extension);
    assert_eq!(json_of(admin.send(request).await).await.0, 204);
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    for way in [Way::Api, Way::Page, Way::Upload] {
        attempt += 1;
        let status = write(&app, &officer, &csrf, way, round, unit, attempt).await;
        assert!(
            matches!(status, 200 | 201 | 303),
            "{way:?} during the extension: {status}"
        );
    }
    // After a reopening window closes, it is locked again.
    app.clock.set(t("09/01/2024 17:00") + Duration::seconds(1));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    for way in [Way::Api, Way::Page, Way::Upload] {
        attempt += 1;
        let before = audit_count(&app).await;
        assert_eq!(
            write(&app, &officer, &csrf, way, round, unit, attempt).await,
            403,
            "{way:?} after the extension"
        );
        assert_eq!(audit_count(&app).await, before);
    }
}

/// A write is judged when it has arrived whole: headers sent before the deadline and a body
/// sent after it are refused, by the API and by a page form alike.
#[tokio::test]
async fn a_body_that_arrives_after_the_deadline_is_judged_after_it() {
    use crate::helpers::SlowRequest;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    let deadline = t("07/01/2024");
    let officer = Browser::default();
    for way in ["api", "page"] {
        app.clock.set(deadline - Duration::seconds(5));
        let csrf = app.sign_in_with(&officer, "a.canbo").await;
        let (head, content_type, body) = if way == "api" {
            let body = json!({ "input": { "kind": "judged", "points": "1.5" } }).to_string();
            let head = format!("PUT /api/rounds/{round}/units/{unit}/self-assessment/2.1");
            (head, "application/json", body)
        } else {
            let body = format!("csrf={csrf}&kind=judged&points=1%2C5");
            let head = format!("POST /ky/{round}/don-vi/{unit}/tu-cham-diem/2.1");
            (head, "application/x-www-form-urlencoded", body)
        };
        let headers = [("x-csrf-token", csrf.as_str())];
        let before = audit_count(&app).await;
        let mut request =
            SlowRequest::start(&app, &officer, &head, &headers, content_type, body.len()).await;
        // The server has the headers (and the session) before the deadline...
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.clock.set(deadline + Duration::seconds(1));
        // ...and the body one second after it.
        request.send(body.as_bytes()).await;
        let status = request
            .status_within(std::time::Duration::from_secs(10))
            .await;
        assert_eq!(status, Some(403), "{way}: a body sent after the deadline");
        assert_eq!(
            audit_count(&app).await,
            before,
            "{way} wrote after the deadline"
        );
    }
}
