//! The pages in a real headless Chromium (Debian's chromium and chromium-driver, which
//! `.ci/run` installs). Screenshots of the main pages go to target/test-output/screenshots.
//!
//! Without chromedriver on the machine the test says so and passes — except in CI
//! (`CI` set), where a missing browser fails the run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{PASSWORD, TestApp, small_round, spawn_app, t};

pub(crate) struct Chrome {
    driver: Child,
    pub(crate) client: Client,
    _profile: tempfile::TempDir,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Killing chromedriver leaves the browser it started running (a dozen processes,
        // hundreds of MiB): end every process of this test's own profile too.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--"])
            .arg(format!(
                "--user-data-dir={}",
                self._profile.path().display()
            ))
            .status();
    }
}

pub(crate) async fn chrome() -> Option<Chrome> {
    let driver_path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(driver_path) = driver_path else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver is missing: install Debian's chromium and chromium-driver (see .ci/run)"
        );
        eprintln!(
            "SKIPPED: no chromedriver on this machine (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1366,768",
                "--lang=vi-VN",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let capabilities = capabilities.as_object().expect("object").clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_error = String::new();
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                return Some(Chrome {
                    driver,
                    client,
                    _profile: profile,
                });
            }
            Err(e) => last_error = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start: {last_error}");
}

pub(crate) fn screenshots_dir() -> std::path::PathBuf {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("write screenshot");
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the element's text contains `needle` (htmx swaps arrive asynchronously).
pub(crate) async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("«{needle}» never appeared in {css}; last text: {last}");
}

pub(crate) async fn sign_in(c: &Client, app: &TestApp, username: &str) {
    // Sessions last 12 hours and the test moves the clock by weeks: start clean each time.
    c.delete_all_cookies().await.expect("cookies");
    c.goto(&app.url("/dang-nhap")).await.expect("goto");
    c.find(Locator::Id("username"))
        .await
        .expect("username")
        .send_keys(username)
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_text(c, "header.top", "Đăng xuất").await;
}

pub(crate) async fn fill(c: &Client, css: &str, value: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

/// A property of the element `css` finds (an input's `value`, `disabled`).
pub(crate) async fn prop_of(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop(name)
        .await
        .expect("property")
}

/// Clicks the element `css` finds.
pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Chromium's network emulation (chromedriver's `chromium/network_conditions`).
#[derive(Debug)]
struct NetworkConditions(serde_json::Value);

type ParseError = <reqwest::Url as std::str::FromStr>::Err;

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/chromium/network_conditions"))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({ "network_conditions": self.0 });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// The line the browser is on.
pub(crate) enum Line {
    /// Bytes per second each way, 50 ms away: an upload's progress can be seen.
    Slow(u64),
    /// As good as the machine's own.
    Fast,
    /// No network at all: every request fails at once.
    Offline,
}

/// Puts the browser on `line` (Chromium's network emulation).
pub(crate) async fn network(c: &Client, line: Line) {
    let (offline, latency, throughput) = match line {
        Line::Slow(bytes) => (false, 50, bytes),
        Line::Fast => (false, 0, 100_000_000),
        Line::Offline => (true, 0, 0),
    };
    c.issue_cmd(NetworkConditions(serde_json::json!({
        "offline": offline,
        "latency": latency,
        "download_throughput": throughput,
        "upload_throughput": throughput,
    })))
    .await
    .expect("network conditions");
}

/// A PDF of `mb` megabytes named `name` in `dir`, which the evidence check accepts.
pub(crate) fn big_pdf(dir: &std::path::Path, name: &str, mb: usize) -> std::path::PathBuf {
    let pdf = dir.join(name);
    let mut bytes = b"%PDF-1.4\n1 0 obj<<>>endobj\n".to_vec();
    bytes.resize(mb * 1024 * 1024, b' ');
    bytes.extend_from_slice(b"\ntrailer<<>>\n%%EOF\n");
    std::fs::write(&pdf, &bytes).expect("pdf");
    pdf
}

/// Chooses `file` in the upload form `form` (CSS) and presses its button.
pub(crate) async fn send_file(c: &Client, form: &str, file: &std::path::Path) {
    c.find(Locator::Css(&format!("{form} input[type=file]")))
        .await
        .expect("file input")
        .send_keys(file.to_str().expect("path"))
        .await
        .expect("choose file");
    tap(c, &format!("{form} button[type=submit]")).await;
}

/// Uploads `file` with the form `form` (CSS) on a line of 1 MB/s, taking the screenshot
/// `during` while it runs, until `done` (CSS) says «Đã tải lên»; returns that text. Checks
/// what the user sees meanwhile: the progress moving forward only, the button locked, and
/// the page never reloaded.
pub(crate) async fn upload_slowly(
    c: &Client,
    form: &str,
    file: &std::path::Path,
    (done, during): (&str, &str),
) -> String {
    mark_page(c).await;
    c.execute(
        r#"var css = arguments[0]; window.seen = []; window.locked = false;
           document.addEventListener("htmx:xhr:progress", function () {
             var form = document.querySelector(css);
             var bar = form && form.querySelector("progress.upload-progress");
             if (bar && !bar.hidden) { window.seen.push(bar.value); }
             if (form && form.querySelector("button").disabled) { window.locked = true; }
           });"#,
        vec![serde_json::json!(form)],
    )
    .await
    .expect("watch the upload");
    network(c, Line::Slow(1_000_000)).await;
    send_file(c, form, file).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView()",
        vec![serde_json::json!(form)],
    )
    .await
    .expect("scroll");
    screenshot(c, during).await;
    let saying = wait_text(c, &format!("{form} .save-state"), "Đang tải lên").await;
    assert!(
        saying.contains('%') || saying.contains("kiểm tra"),
        "{saying}"
    );
    let mut text = String::new();
    for _ in 0..300 {
        if let Ok(el) = c.find(Locator::Css(done)).await {
            text = el.text().await.unwrap_or_default();
            if text.contains("Đã tải lên") {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    network(c, Line::Fast).await;
    assert!(text.contains("Đã tải lên"), "{text}");
    let seen: Vec<f64> = serde_json::from_value(js(c, "return window.seen").await).expect("seen");
    assert!(
        seen.iter().any(|v| *v > 0.0 && *v < 100.0),
        "progress in between: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "only forward: {seen:?}"
    );
    assert_eq!(
        js(c, "return window.locked").await,
        serde_json::json!(true),
        "button locked"
    );
    assert!(still_the_marked_page(c).await, "no reload");
    text
}

/// Clicks `css` once scrolled to the middle of the window (clear of the sticky bar).
pub(crate) async fn tap(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
        vec![serde_json::json!(css)],
    )
    .await
    .expect("scroll");
    click(c, css).await;
}

/// Runs `script` in the page and returns what it returns.
pub(crate) async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Marks the page now shown, for [`still_the_marked_page`] to tell it was not reloaded.
pub(crate) async fn mark_page(c: &Client) {
    js(c, "window.parindexMarked = true").await;
}

/// Whether the page marked by [`mark_page`] is still the one shown (nothing reloaded it).
pub(crate) async fn still_the_marked_page(c: &Client) -> bool {
    js(c, "return window.parindexMarked === true").await == serde_json::json!(true)
}

pub(crate) async fn save_leaf(c: &Client, leaf: &str) {
    let button = format!("[id='tc-{leaf}'] form > button[type=submit]");
    c.find(Locator::Css(&button))
        .await
        .expect("save button")
        .click()
        .await
        .expect("click");
    wait_text(c, &format!("[id='tc-{leaf}']"), "Đã lưu").await;
}

#[tokio::test]
async fn a_round_in_the_browser() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    for who in ["a.canbo", "a.thutruong", "thamdinh", "quantri"] {
        app.sign_in_as(who).await; // gives each the test password
    }
    let (round, a) = (r.round, r.units[0]);

    // A wrong password: a clear message that does not say which part was wrong.
    c.goto(&app.url("/dang-nhap")).await.expect("goto");
    fill(c, "#username", "a.canbo").await;
    fill(c, "#password", "sai").await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    // The refused sign-in is a new page load: wait for it rather than read too early.
    assert_eq!(
        wait_text(c, ".alert", "không đúng").await,
        "Tên đăng nhập hoặc mật khẩu không đúng."
    );
    screenshot(c, "01-dang-nhap").await;

    // The officer: home with deadline and progress, then every method of leaf.
    app.clock.set(t("20/12/2023 09:00"));
    sign_in(c, &app, "a.canbo").await;
    let home = wait_text(c, "main", "Tự chấm điểm").await;
    assert!(
        home.contains("Hạn chót tự chấm điểm: 23:59 ngày 07/01/2024 (giờ Việt Nam)."),
        "{home}"
    );
    assert!(home.contains("Tiêu chí đã chấm: 0/5"), "{home}");
    screenshot(c, "02-trang-chu-don-vi").await;

    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem")))
        .await
        .expect("goto");
    c.find(Locator::Css("[id='tc-1.1'] select[name=met]"))
        .await
        .expect("select")
        .select_by_value("dat")
        .await
        .expect("select");
    fill(
        c,
        "[id='tc-1.1'] textarea",
        "Kế hoạch số 12/KH-UBND ngày 20/12/2022",
    )
    .await;
    save_leaf(c, "1.1").await;

    // Evidence: a real PDF, uploaded for leaf 1.1, listed under its original name.
    let dir = tempfile::tempdir().expect("tmp");
    let pdf = dir.path().join("Kế hoạch CCHC 2023.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("pdf");
    let file_input = c
        .find(Locator::Css("[id='tc-1.1'] input[type=file]"))
        .await
        .expect("file input");
    file_input
        .send_keys(pdf.to_str().expect("path"))
        .await
        .expect("choose file");
    c.find(Locator::Css("[id='tc-1.1'] form.upload button"))
        .await
        .expect("upload")
        .click()
        .await
        .expect("click");
    wait_text(c, "[id='tc-1.1'] .evidence", "Kế hoạch CCHC 2023.pdf").await;

    // A citation typed beside the leaf, then removed again.
    click(c, "[id='tc-1.1'] details.cite summary").await;
    fill(c, "[id='tc-1.1'] input[name=document_number]", "15/QĐ-UBND").await;
    fill(c, "[id='tc-1.1'] input[name=issued_on]", "05/01/2023").await;
    fill(
        c,
        "[id='tc-1.1'] input[name=summary]",
        "Quyết định ban hành kế hoạch CCHC",
    )
    .await;
    click(c, "[id='tc-1.1'] form.citation button").await;
    wait_text(c, "[id='tc-1.1'] .evidence", "15/QĐ-UBND ngày 05/01/2023").await;
    click(c, "[id='tc-1.1'] form[action*='/tai-lieu/van-ban/'] button").await;
    // Deleting evidence asks first.
    c.accept_alert()
        .await
        .expect("the deletion asks to confirm");
    wait_text(c, "[id='tc-1.1'] .evidence", "Kế hoạch CCHC 2023.pdf").await;
    assert!(
        !text_of(c, "[id='tc-1.1'] .evidence")
            .await
            .contains("15/QĐ-UBND")
    );

    fill(c, "[id='tc-1.2'] input[name=numerator]", "111").await;
    fill(c, "[id='tc-1.2'] input[name=denominator]", "125").await;
    // The computed points show as the user types (server-side, via htmx).
    wait_text(c, "[id='tc-1.2'] output", "0,75 điểm").await;
    save_leaf(c, "1.2").await;
    // The running totals follow the save, and point to the next leaf not yet scored.
    let summary = wait_text(c, "#tong-diem", "Đã chấm 2/5").await;
    assert!(
        summary.contains("Tiêu chí chưa chấm tiếp theo: 1.3"),
        "{summary}"
    );

    c.find(Locator::Css("[id='tc-1.3'] input[name=not_applicable]"))
        .await
        .expect("checkbox")
        .click()
        .await
        .expect("click");
    let disabled = prop_of(
        c,
        "[id='tc-1.3'] .inputs input:not([type=hidden])",
        "disabled",
    )
    .await;
    assert_eq!(disabled.as_deref(), Some("true"), "N/A disables the score");
    fill(
        c,
        "[id='tc-1.3'] input[name=na_reason]",
        "Không có hồ sơ trễ hạn",
    )
    .await;
    save_leaf(c, "1.3").await;

    // A judged score off its steps is refused beside the field, and what was typed stays.
    fill(c, "[id='tc-2.1'] input[name=points]", "1,3").await;
    c.find(Locator::Css("[id='tc-2.1'] form > button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_text(
        c,
        "[id='tc-2.1'] .alert",
        "Điểm phải từ 0 đến 2 và là bội số của 0,25.",
    )
    .await;
    let kept = prop_of(c, "[id='tc-2.1'] input[name=points]", "value").await;
    assert_eq!(kept.as_deref(), Some("1,3"));
    fill(c, "[id='tc-2.1'] input[name=points]", "1,75").await;
    save_leaf(c, "2.1").await;

    fill(c, "[id='tc-2.2'] input[name=count]", "1").await;
    save_leaf(c, "2.2").await;
    c.refresh().await.expect("reload");
    let summary = wait_text(c, ".summary", "Đã chấm 5/5").await;
    // Self-scored leaves only: 10 − 3 (survey) − 1,5 (not applicable) = 5,5.
    assert!(summary.contains("Điểm tự chấm 4,25 / 5,5"), "{summary}");
    screenshot(c, "03-tu-cham-diem").await;
    // The same page on a phone.
    c.set_window_size(390, 844).await.expect("phone size");
    c.refresh().await.expect("reload");
    wait_text(c, ".summary", "Đã chấm 5/5").await;
    screenshot(c, "03b-tu-cham-diem-dien-thoai").await;
    c.set_window_size(1366, 768).await.expect("laptop size");

    // The officer's evidence for 2.1 (uploaded through the service into the server's own
    // file store; the page's upload form is tested elsewhere).
    let files = parindex::files::FileStore::local(app.files_dir.path()).expect("files");
    let ctx = parindex::service::Context::new(
        app.store().clone(),
        std::sync::Arc::new(app.clock.clone()),
        files,
    );
    let officer =
        parindex::service::Who::new(r.officers[0].clone(), "127.0.0.1", t("20/12/2023 10:00"));
    let evidence_pdf = b"%PDF-1.4\n% Bao cao cap nhat cong thong tin thang 11\n%%EOF\n";
    let upload = parindex::service::evidence::Upload {
        file_name: "Báo cáo cổng thông tin tháng 11.pdf".into(),
        file: parindex::files::Received::from_bytes(evidence_pdf)
            .await
            .expect("received"),
        leaves: vec!["2.1".into()],
    };
    let stored = parindex::service::evidence::upload_file(&ctx, &officer, round, a, upload)
        .await
        .expect("uploaded");

    // The head reviews what is missing, then approves and submits, confirming the gaps.
    sign_in(c, &app, "a.thutruong").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem")))
        .await
        .expect("goto");
    click(c, &format!("a[href='/ky/{round}/don-vi/{a}/xem-lai']")).await;
    let missing = wait_text(c, "main", "Còn thiếu:").await;
    assert!(missing.contains("chưa có tài liệu kiểm chứng"), "{missing}");
    // Each gap links to its leaf.
    c.find(Locator::Css(&format!(
        "#chua-tai-lieu a[href='/ky/{round}/don-vi/{a}/tu-cham-diem#tc-2.2']"
    )))
    .await
    .expect("a link to leaf 2.2");
    screenshot(c, "04-xem-lai-truoc-khi-gui").await;
    let submit = format!("form[action='/ky/{round}/don-vi/{a}/gui']");
    // Without the confirmation the browser does not send the form.
    click(c, &format!("{submit} button")).await;
    assert!(
        app.store()
            .submission(round, a)
            .await
            .expect("read")
            .is_none(),
        "submitted without confirming the gaps"
    );
    click(c, &format!("{submit} input[name=xac_nhan]")).await;
    click(c, &format!("{submit} button")).await;
    wait_text(c, "main", "Đã phê duyệt và gửi bản tự đánh giá.").await;
    screenshot(c, "04b-phe-duyet-va-gui").await;

    // After the deadline the page shows the lock, with the reason and the time.
    app.clock.set(t("08/01/2024 08:00"));
    sign_in(c, &app, "a.canbo").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem")))
        .await
        .expect("goto");
    let locked = wait_text(c, ".locked", "Đã khóa").await;
    assert_eq!(
        locked,
        "Đã khóa. Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
    assert!(
        c.find(Locator::Css("[id='tc-2.1'] form")).await.is_err(),
        "no form once locked"
    );
    screenshot(c, "05-da-khoa").await;

    // The appraiser works from the queue: the submitted unit waits, then its page.
    app.clock.set(t("20/01/2024 09:00"));
    sign_in(c, &app, "thamdinh").await;
    click(c, &format!("a[href='/ky/{round}/tham-dinh']")).await;
    let queue = wait_text(c, "#hang-doi", "UBND phường An Khánh").await;
    assert!(queue.contains("Đã gửi, chờ thẩm định"), "{queue}");
    screenshot(c, "24-danh-sach-tham-dinh").await;
    click(
        c,
        &format!("#hang-doi a[href='/ky/{round}/don-vi/{a}/tham-dinh']"),
    )
    .await;
    wait_text(c, "main", "Thẩm định").await;
    // The appraiser lowers 2.1 with a comment.
    fill(c, "[id='tc-2.1'] input[name=points]", "1,25").await;
    fill(
        c,
        "[id='tc-2.1'] textarea[name=comment]",
        "Thiếu minh chứng cập nhật tháng 11",
    )
    .await;
    click(c, "[id='tc-2.1'] input[name=explanation_requested]").await;
    c.find(Locator::Css("[id='tc-2.1'] button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_text(c, "[id='tc-2.1']", "Đã lưu").await;
    // The unit's evidence beside the leaf, downloaded with the appraiser's session.
    let link = format!(
        "[id='tc-2.1'] .evidence a[href='/api/rounds/{round}/units/{a}/evidence/files/{}']",
        stored.id
    );
    let name = c
        .find(Locator::Css(&link))
        .await
        .expect("the evidence link")
        .text()
        .await
        .expect("text");
    assert_eq!(name, "Báo cáo cổng thông tin tháng 11.pdf");
    let session = c
        .get_named_cookie("parindex_session")
        .await
        .expect("the appraiser's session");
    let download = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/rounds/{round}/units/{a}/evidence/files/{}",
            stored.id
        )))
        .header("cookie", format!("parindex_session={}", session.value()))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        evidence_pdf.as_slice()
    );
    screenshot(c, "06-tham-dinh").await;
    c.goto(&app.url(&format!("/ky/{round}/tham-dinh")))
        .await
        .expect("goto");
    let queue = wait_text(c, "#hang-doi", "Đang thẩm định lần 1").await;
    assert!(queue.contains("UBND phường An Khánh"), "{queue}");

    // In the explanation window the officer's home page announces the request, with its
    // deadline; the explanations page shows the self-score and the appraiser's comment.
    app.clock.set(t("05/02/2024 09:00"));
    sign_in(c, &app, "a.canbo").await;
    let notice = wait_text(c, ".notice", "Yêu cầu giải trình").await;
    assert!(
        notice.contains("yêu cầu giải trình 1 tiêu chí, đơn vị đã trả lời 0"),
        "{notice}"
    );
    screenshot(c, "06b-trang-chu-yeu-cau-giai-trinh").await;
    click(c, ".notice a.button").await;
    let asked = wait_text(c, "[id='tc-2.1']", "Nhận xét của thẩm định").await;
    assert!(
        asked.contains("Điểm tự chấm: 1,75")
            && asked.contains("điểm thẩm định lần 1: 1,25")
            && asked.contains("Thiếu minh chứng cập nhật tháng 11"),
        "{asked}"
    );
    fill(
        c,
        "[id='tc-2.1'] textarea[name=text]",
        "Đơn vị bổ sung báo cáo cập nhật cổng thông tin tháng 11.",
    )
    .await;
    click(c, "[id='tc-2.1'] form:not(.upload) button[type=submit]").await;
    wait_text(c, "[id='tc-2.1']", "Đã lưu").await;
    // A supplementary file with the answer, listed with the leaf.
    let extra = dir.path().join("Bổ sung giải trình 2.1.pdf");
    std::fs::write(&extra, b"%PDF-1.4\n% bo sung thang 11\n%%EOF\n").expect("pdf");
    c.find(Locator::Css("[id='tc-2.1'] form.upload input[type=file]"))
        .await
        .expect("file input")
        .send_keys(extra.to_str().expect("path"))
        .await
        .expect("choose file");
    click(c, "[id='tc-2.1'] form.upload button").await;
    wait_text(c, "[id='tc-2.1'] .evidence", "Bổ sung giải trình 2.1.pdf").await;
    screenshot(c, "06c-giai-trinh").await;
    c.goto(&app.url("/")).await.expect("home");
    wait_text(c, ".notice", "đơn vị đã trả lời 1").await;

    // The administrator publishes; the ranking shows.
    app.clock.set(t("01/04/2024 09:00"));
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}")))
        .await
        .expect("goto");
    let dashboard = wait_text(c, "main", "Tiến độ").await;
    assert!(
        dashboard.contains("Đã gửi") && dashboard.contains("Quá hạn"),
        "{dashboard}"
    );
    // A survey score, typed with a decimal comma.
    c.find(Locator::Id("survey_unit"))
        .await
        .expect("unit")
        .select_by_value(&a.to_string())
        .await
        .expect("select");
    fill(c, "#leaf", "3.1").await;
    fill(c, "#points", "2,5").await;
    c.find(Locator::Css(&format!(
        "form[action='/quan-tri/ky/{round}/dieu-tra'] button"
    )))
    .await
    .expect("save")
    .click()
    .await
    .expect("click");
    wait_text(c, "main", "Đã lưu điểm điều tra xã hội học.").await;
    screenshot(c, "07-quan-tri").await;
    // The publication checklist: B never submitted; publishing needs a ticked confirmation
    // (and the council's sign-off of the last appraisal round).
    crate::helpers::signed_off(app.store(), round).await;
    click(c, &format!("a[href='/quan-tri/ky/{round}/cong-bo']")).await;
    let checklist = wait_text(c, "#chua-gui", "Đơn vị chưa gửi tự đánh giá (1)").await;
    assert!(checklist.contains("UBND phường Hưng Lợi"), "{checklist}");
    screenshot(c, "07b-kiem-tra-cong-bo").await;
    let publish = format!("form[action='/quan-tri/ky/{round}/cong-bo#cong-bo']");
    click(c, &format!("{publish} input[name=xac_nhan]")).await;
    click(c, &format!("{publish} button")).await;
    let table = wait_text(c, "table.ranking", "UBND phường An Khánh").await;
    // A: appraised 1 + 0,75 + 1,25 + 0,75 = 3,75 (1.3 not applicable); survey 2,5;
    // 6,25 / 8,5 = 73,529…% → 73,53%.
    assert!(table.contains("73,53"), "{table}");
    assert!(text_of(c, "main").await.contains("Đã công bố"));
    screenshot(c, "08-ket-qua").await;

    // Units and users from Excel: a dry run first (the box is ticked by default), then the
    // real import with the first password shown once.
    use crate::directory_import::{C, directory_workbook};
    let file = screenshots_dir().join("danh-muc.xlsx");
    std::fs::write(
        &file,
        directory_workbook(
            &[[C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")]],
            &[[
                C::S("c.canbo"),
                C::S("Trần Thị Cúc"),
                C::S("Cán bộ đơn vị"),
                C::S("C"),
                C::S("31/12/2024"),
            ]],
        ),
    )
    .expect("write workbook");
    let upload = async |dry_run: bool| {
        c.goto(&app.url("/quan-tri")).await.expect("goto");
        c.find(Locator::Id("directory_file"))
            .await
            .expect("file input")
            .send_keys(file.to_str().expect("path"))
            .await
            .expect("choose file");
        if !dry_run {
            c.find(Locator::Css(
                "form[action='/quan-tri/nhap-danh-muc#nhap'] input[name=dry_run]",
            ))
            .await
            .expect("dry run box")
            .click()
            .await
            .expect("untick");
        }
        c.find(Locator::Css(
            "form[action='/quan-tri/nhap-danh-muc#nhap'] button",
        ))
        .await
        .expect("import button")
        .click()
        .await
        .expect("click");
    };
    upload(true).await;
    let report = wait_text(c, "main", "Kiểm tra trước (chưa ghi dữ liệu): 2 thay đổi").await;
    assert!(report.contains("Hiệu lực đến: 31/12/2024"), "{report}");
    upload(false).await;
    let passwords = wait_text(c, "#mat-khau-moi", "c.canbo").await;
    assert!(passwords.contains("Trần Thị Cúc"), "{passwords}");
    screenshot(c, "09-nhap-don-vi-nguoi-dung").await;
    // Applied, then redirected: a refresh shows the same first passwords again.
    c.refresh().await.expect("refresh");
    let again = wait_text(c, "#mat-khau-moi", "c.canbo").await;
    assert_eq!(again, passwords);
    c.goto(&app.url("/quan-tri/bo-tieu-chi"))
        .await
        .expect("goto");
    wait_text(c, "main", "Các phiên bản đã lưu (1)").await;
    screenshot(c, "10-bo-tieu-chi").await;

    // Changing one's password ends the session; the new password works.
    c.goto(&app.url("/doi-mat-khau")).await.expect("goto");
    fill(c, "#current_password", PASSWORD).await;
    fill(c, "#new_password", "mat-khau-moi-2024").await;
    fill(c, "#confirm", "mat-khau-moi-2024").await;
    c.find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_text(c, "main h1", "Đăng nhập").await;
    fill(c, "#username", "quantri").await;
    fill(c, "#password", "mat-khau-moi-2024").await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_text(c, "header.top", "Đăng xuất").await;
    chrome.client.clone().close().await.expect("close browser");
}

/// Signs in through the page with `password`, whatever page follows.
pub(crate) async fn sign_in_typing(c: &Client, app: &TestApp, username: &str, password: &str) {
    c.delete_all_cookies().await.expect("cookies");
    c.goto(&app.url("/dang-nhap")).await.expect("goto");
    fill(c, "#username", username).await;
    fill(c, "#password", password).await;
    click(c, "form button[type=submit]").await;
    wait_text(c, "header.top", "Đăng xuất").await;
}

#[tokio::test]
async fn the_administrator_runs_accounts_from_pages() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    sign_in(c, &app, "quantri").await;

    // A new account: the role offered first is the least privileged one.
    c.goto(&app.url("/quan-tri")).await.expect("goto");
    let role = prop_of(c, "#n-role", "value").await;
    assert_eq!(role.as_deref(), Some("viewer"), "default role");
    fill(c, "#n-user", "tran.thamdinh").await;
    fill(c, "#n-name", "Trần Thẩm Định").await;
    c.find(Locator::Id("n-role"))
        .await
        .expect("role")
        .select_by_value("appraiser")
        .await
        .expect("select");
    click(
        c,
        "form[action='/quan-tri/nguoi-dung#nguoi-dung'] button[type=submit]",
    )
    .await;
    wait_text(c, "main", "Đã tạo tài khoản").await;
    let first = text_of(c, "code.password").await;
    assert_eq!(first.chars().count(), 12, "{first}");

    // Its scope: the whole tier.
    c.find(Locator::Id("s-tier"))
        .await
        .expect("tier")
        .select_by_value("t")
        .await
        .expect("select");
    click(c, "#pham-vi form[action*='/pham-vi#'] button[type=submit]").await;
    let scope = wait_text(c, "#pham-vi", "Cả khối Khối kiểm thử").await;
    assert!(scope.contains("Mọi lĩnh vực"), "{scope}");

    // A reset, confirmed first: another password, shown for a few minutes, and a change
    // forced at sign-in.
    click(c, "#r-confirm").await;
    click(c, "form[action*='/mat-khau#'] button").await;
    wait_text(c, "#mat-khau-moi", "Chỉ hiển thị trong 15 phút").await;
    let reset = text_of(c, "code.password").await;
    assert_ne!(reset, first);
    screenshot(c, "20-nguoi-dung").await;

    sign_in_typing(c, &app, "tran.thamdinh", &reset).await;
    assert_eq!(c.current_url().await.expect("url").path(), "/doi-mat-khau");
    wait_text(c, "main", "do quản trị viên đặt").await;
    screenshot(c, "21-doi-mat-khau-bat-buoc").await;
    fill(c, "#current_password", &reset).await;
    fill(c, "#new_password", "mat-khau-rieng-2024").await;
    fill(c, "#confirm", "mat-khau-rieng-2024").await;
    click(c, "form[action='/doi-mat-khau'] button").await;
    wait_text(c, "main", "Đăng nhập").await;
    sign_in_typing(c, &app, "tran.thamdinh", "mat-khau-rieng-2024").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/");

    // Disabled by the administrator: the account is shown locked and cannot sign in.
    sign_in(c, &app, "quantri").await;
    let id = app
        .store()
        .user_for_sign_in("tran.thamdinh")
        .await
        .expect("lookup")
        .expect("user")
        .0
        .user_id;
    c.goto(&app.url(&format!("/quan-tri/nguoi-dung/{id}")))
        .await
        .expect("goto");
    click(c, "input[name=active]").await;
    fill(c, "#e-until", "31/03/2024").await;
    let save =
        "form[action*='/nguoi-dung/{id}#'] button[type=submit]".replace("{id}", &id.to_string());
    click(c, &save).await;
    // Disabling asks first; the form keeps what was typed.
    wait_text(c, "#thong-tin", "Đánh dấu ô xác nhận").await;
    assert_eq!(
        prop_of(c, "#e-until", "value").await.as_deref(),
        Some("31/03/2024")
    );
    click(c, "#e-confirm-disable").await;
    click(c, &save).await;
    let page = wait_text(c, "main", "Đã lưu").await;
    assert!(page.contains("Đã khóa"), "{page}");
    c.delete_all_cookies().await.expect("cookies");
    c.goto(&app.url("/dang-nhap")).await.expect("goto");
    fill(c, "#username", "tran.thamdinh").await;
    fill(c, "#password", "mat-khau-rieng-2024").await;
    click(c, "form button[type=submit]").await;
    // The password was right: told the account is locked and whom to ask.
    wait_text(c, ".alert", "Liên hệ Sở Nội vụ").await;
}

#[tokio::test]
async fn the_administrator_starts_next_years_round_from_pages() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND phường Bình Thủy"),
        ],
        vec![],
    )
    .await;
    for who in ["quantri", "a.canbo"] {
        app.sign_in_as(who).await;
    }
    app.clock.set(t("20/12/2023 09:00"));
    sign_in(c, &app, "quantri").await;

    // Copied from 2023: the year, the title and every window moved on; one end edited.
    click(c, "a[href='/quan-tri/ky/moi']").await;
    wait_text(c, "main", "Tạo kỳ đánh giá mới").await;
    let title = prop_of(c, "#title", "value").await;
    assert_eq!(title.as_deref(), Some("Chỉ số CCHC năm 2024"));
    let closes = prop_of(c, "#closes_self_assessment", "value").await;
    assert_eq!(closes.as_deref(), Some("07/01/2025 23:59"));
    // Earlier, not later: appraisal round 1 opens on 08/01/2025 and may not overlap.
    fill(c, "#closes_self_assessment", "06/01/2025 17:00").await;
    screenshot(c, "22-tao-ky-moi").await;
    click(
        c,
        "form[action='/quan-tri/ky/moi#ky-moi'] button[type=submit]",
    )
    .await;
    let page = wait_text(c, "main", "Đã tạo kỳ đánh giá").await;
    assert!(page.contains("Kỳ đánh giá đang chuẩn bị"), "{page}");
    let next: i64 = c
        .current_url()
        .await
        .expect("url")
        .path()
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("round id");
    let round = app.store().round(next).await.expect("round");
    assert_eq!(round.opened_at, None);
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("06/01/2025 17:00")
    );

    // Move the 2023 self-assessment a week on: previewed unit by unit, then saved. Appraisal
    // round 1 is moved on first, since the phases may not overlap.
    app.store()
        .set_phase(
            r.round,
            parindex::domain::deadline::Phase::AppraisalRound1,
            parindex::domain::deadline::Window {
                opens_at: t("15/01/2024 00:00"),
                closes_at: t("31/01/2024"),
            },
            crate::helpers::system_audit(),
            t("20/12/2023"),
        )
        .await
        .expect("round 1 moved");
    c.goto(&app.url(&format!("/quan-tri/ky/{}/giai-doan", r.round)))
        .await
        .expect("goto");
    fill(c, "#closes-self_assessment", "14/01/2024 23:59").await;
    click(c, "#gd-self_assessment button[value=xem-truoc]").await;
    let preview = wait_text(c, "#xem-truoc", "được thêm thời gian").await;
    assert!(
        preview.contains("2 đơn vị được thêm thời gian, 0 đơn vị bị bớt"),
        "{preview}"
    );
    screenshot(c, "23-xem-truoc-thoi-gian").await;
    click(c, "#gd-self_assessment button[value=luu]").await;
    wait_text(c, "main", "Đã lưu thời gian mới").await;
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("14/01/2024 23:59")
    );

    // The officer does not see the 2024 round until it is opened.
    sign_in(c, &app, "a.canbo").await;
    let home = text_of(c, "main").await;
    assert!(!home.contains("năm 2024"), "{home}");
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{next}")))
        .await
        .expect("goto");
    c.execute("window.confirm = function () { return true; };", vec![])
        .await
        .expect("confirm");
    click(c, "#chuan-bi button").await;
    wait_text(c, "main", "Đã mở kỳ đánh giá").await;
    sign_in(c, &app, "a.canbo").await;
    wait_text(c, "main", "Chỉ số CCHC năm 2024").await;
}

#[tokio::test]
async fn a_session_that_ends_mid_edit_keeps_what_was_typed_through_sign_in() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("20/12/2023 09:00"));
    sign_in(c, &app, "a.canbo").await;
    let page = format!("/ky/{round}/don-vi/{a}/tu-cham-diem");
    c.goto(&app.url(&page)).await.expect("goto");

    // Typed, then the session ends (12 hours later) before the save.
    fill(c, "[id='tc-1.2'] input[name=numerator]", "37").await;
    fill(c, "[id='tc-1.2'] input[name=denominator]", "40").await;
    app.clock.set(t("21/12/2023 08:00"));
    click(c, "[id='tc-1.2'] form > button[type=submit]").await;
    let notice = wait_text(c, "#phien-het-han", "Phiên đăng nhập đã hết hạn").await;
    assert!(notice.contains("đăng nhập lại"), "{notice}");
    let kept = prop_of(c, "[id='tc-1.2'] input[name=numerator]", "value").await;
    assert_eq!(kept.as_deref(), Some("37"), "the page is not replaced");
    let main = text_of(c, "main").await;
    assert!(
        !main.contains("Tên đăng nhập"),
        "no sign-in page inside the page"
    );
    screenshot(c, "25-phien-het-han").await;

    // Signing in again comes back to the same page with the typed values.
    click(c, "#phien-het-han a").await;
    wait_text(c, "main", "Phiên đăng nhập đã hết hạn").await;
    fill(c, "#username", "a.canbo").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_text(c, "[id='tc-1.2']", "Đã khôi phục").await;
    assert_eq!(c.current_url().await.expect("url").path(), page);
    let restored = prop_of(c, "[id='tc-1.2'] input[name=numerator]", "value").await;
    assert_eq!(restored.as_deref(), Some("37"));
    save_leaf(c, "1.2").await;
    let entry = app
        .store()
        .self_entries(round, a)
        .await
        .expect("entries")
        .into_iter()
        .find(|(leaf, _)| leaf == "1.2")
        .expect("saved")
        .1;
    match entry.input {
        Some(parindex::domain::criteria::LeafInput::Rate { numerator, .. }) => {
            assert_eq!(numerator.to_string(), "37")
        }
        other => panic!("saved as {other:?}"),
    }
}
