//! Static files under versioned names: the page links each by its content hash, served
//! for a year as immutable with a strong ETag; the plain name and another release's hash
//! still load, with a short cache.

use crate::helpers::spawn_app;

/// The `/static/` addresses a page's `href` and `src` attributes name.
fn static_links(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|part| part.starts_with("/static/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn pages_link_static_files_by_content_hash_cached_for_a_year() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let page = client
        .get(app.url("/dang-nhap"))
        .send()
        .await
        .expect("sign-in page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    let links = static_links(&html);
    assert_eq!(links.len(), 4, "{links:?}");
    for (plain, mime) in [
        ("app.css", "text/css"),
        ("app.js", "text/javascript"),
        ("htmx.min.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let (stem, ext) = plain.rsplit_once('.').expect("extension");
        let link = links
            .iter()
            .find(|l| {
                l.strip_prefix(&format!("/static/{stem}."))
                    .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
                    .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            })
            .unwrap_or_else(|| panic!("{plain} is not linked by a versioned name: {links:?}"));

        let fresh = client.get(app.url(link)).send().await.expect("asset");
        assert_eq!(fresh.status(), 200, "{link}");
        let headers = fresh.headers().clone();
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{link}"
        );
        assert!(
            headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(mime),
            "{link}"
        );
        let etag = headers["etag"].to_str().expect("ascii").to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "a strong ETag: {etag}"
        );
        let body = fresh.bytes().await.expect("body");
        assert!(!body.is_empty(), "{link}");

        // The browser's copy is still good: 304, no body, the same validator.
        let again = client
            .get(app.url(link))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status(), 304, "{link}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert!(again.bytes().await.expect("body").is_empty());
        // Another validator is not a match: the file comes whole.
        let other = client
            .get(app.url(link))
            .header("if-none-match", "\"0000000000000000\"")
            .send()
            .await
            .expect("other validator");
        assert_eq!(other.status(), 200, "{link}");

        // The plain name still loads, the same bytes, with a short cache.
        let unversioned = client
            .get(app.url(&format!("/static/{plain}")))
            .send()
            .await
            .expect("plain name");
        assert_eq!(unversioned.status(), 200, "{plain}");
        assert_eq!(
            unversioned.headers()["cache-control"],
            "public, max-age=300"
        );
        assert_eq!(unversioned.headers()["etag"], etag.as_str());
        assert_eq!(unversioned.bytes().await.expect("body"), body);

        // Another release's hash: the current file stands in, revalidated on each use and
        // never cached as immutable under a name whose content it is not.
        let stale = format!("/static/{stem}.00000000.{ext}");
        let stand_in = client.get(app.url(&stale)).send().await.expect("old hash");
        assert_eq!(stand_in.status(), 200, "{stale}");
        assert_eq!(stand_in.headers()["cache-control"], "public, no-cache");
        assert_eq!(stand_in.bytes().await.expect("body"), body);
    }

    // Gzip is kept for what compresses, on versioned names too.
    let css = links.iter().find(|l| l.ends_with(".css")).expect("css");
    let gzipped = client
        .get(app.url(css))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("gzip");
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");

    // What is not a hash, or not an asset, is a 404.
    for missing in [
        "/static/app.khong-co.css",
        "/static/app.0123456789.css",
        "/static/khong-co.00000000.css",
    ] {
        let response = client.get(app.url(missing)).send().await.expect("answer");
        assert_eq!(response.status(), 404, "{missing}");
    }
}
