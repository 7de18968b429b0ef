//! The template environment: every template compiled into the binary, the Vietnamese
//! number and date filters, and rendering where a misspelled variable is an error.

use std::sync::LazyLock;

use axum::response::Html;
use minijinja::{Environment, UndefinedBehavior, Value};

use super::PageError;
use crate::domain::Points;
use crate::domain::deadline::format_instant;
use crate::http::error::HttpError;

/// What is answered when even the error page cannot be rendered.
pub const FALLBACK: Html<&str> =
    Html("<!doctype html><meta charset=utf-8><p>Lỗi hệ thống. Vui lòng thử lại sau.</p>");

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../../web/templates/", $name)))),*]
    };
}

/// A file's size as people read it: "850 byte", "12 KB", "3,4 MB".
fn file_size(bytes: i64) -> String {
    const KB: i64 = 1024;
    if bytes < KB {
        format!("{bytes} byte")
    } else if bytes < KB * KB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes * 10 + KB * KB / 2) / (KB * KB);
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

/// What a template may do with a variable that was never given. In debug builds (every
/// `cargo test`, and `cargo run`) anything but `is defined` or `default` on it is an error,
/// even `{% if error %}`: a view that forgets a value fails its page's test. A release
/// build only refuses to print or look into one (semi-strict), so that a branch no test
/// reached tests an absent flag as false instead of failing an official's page.
#[cfg(debug_assertions)]
const UNDEFINED: UndefinedBehavior = UndefinedBehavior::Strict;
#[cfg(not(debug_assertions))]
const UNDEFINED: UndefinedBehavior = UndefinedBehavior::SemiStrict;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| environment().0);

/// The template environment, and the errors of any template that did not compile.
pub(crate) fn environment() -> (Environment<'static>, Vec<String>) {
    let mut env = Environment::new();
    env.set_undefined_behavior(UNDEFINED);
    let mut errors = Vec::new();
    let sources = templates!(
        "base.html",
        "notices.html",
        "sign_in.html",
        "home.html",
        "self_assessment.html",
        "review.html",
        "changes.html",
        "corrigenda.html",
        "_changes.html",
        "publication.html",
        "_leaf.html",
        "_summary.html",
        "_unit_files.html",
        "_import_form.html",
        "_import_apply.html",
        "_fields.html",
        "results.html",
        "unit_analysis.html",
        "round_analysis.html",
        "appraisal.html",
        "_appraisal_row.html",
        "_appraisal_totals.html",
        "extras.html",
        "admin_round.html",
        "explanations.html",
        "_explanation_files.html",
        "audit.html",
        "history.html",
        "unit.html",
        "user.html",
        "queue.html",
        "round_new.html",
        "round_phases.html",
        "round_members.html",
        "exemptions.html",
        "assignments.html",
        "sign_off.html",
        "directory.html",
        "criteria_sets.html",
        "password.html",
        "error.html",
        "public_base.html",
        "_public_switch.html",
        "public_index.html",
        "public_round.html",
    );
    for (name, source) in sources {
        // The templates are compiled into the binary; a broken one fails every page test.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "invalid template");
            errors.push(format!("{name}: {e:#}"));
        }
    }
    env.add_filter("vn", |v: Value| vn_number(&v, false));
    env.add_filter("vn2", |v: Value| vn_number(&v, true));
    env.add_filter("size", |bytes: i64| file_size(bytes));
    // A leaf input's figures as tables show them («110/125», «3 lần», «Đạt»); nothing for
    // none, or for judged points.
    env.add_filter("figures", |input: Value| {
        serde_json::to_value(&input)
            .ok()
            .and_then(|json| serde_json::from_value::<crate::domain::LeafInput>(json).ok())
            .and_then(|input| input.figures())
            .unwrap_or_default()
    });
    // A value for a link's query string.
    env.add_filter("urlencode", |text: String| {
        percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string()
    });
    // A static file's versioned address (`static_url("app.css")`), long cached; a name that
    // is not an asset is an error, like a misspelled variable.
    env.add_function("static_url", |name: &str| {
        crate::http::assets::url(name)
            .map(Value::from_safe_string)
            .ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("no static file {name}"),
                )
            })
    });
    // A day as stored (2024-02-01) as people read it (01/02/2024).
    env.add_filter("date_vn", |v: Value| {
        v.as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    });
    env.add_filter("instant", |v: Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| format_instant(t.with_timezone(&chrono::Utc)))
            .unwrap_or_default()
    });
    (env, errors)
}

/// Renders a template; a failure is a logged 500, never a page that looks whole.
pub(crate) fn render(name: &str, ctx: Value) -> Result<Html<String>, PageError> {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| {
            // The short form only: the long one quotes the template's values (a session's
            // CSRF token, an import's first passwords), which the log must never hold.
            tracing::error!(template = name, error = %e, "render failed");
            // Tests run without a log subscriber: say it where the test output shows it.
            #[cfg(debug_assertions)]
            {
                eprintln!("template {name}: {e:#}");
                // An included template's own error, with its line, is the source's.
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    match inner.downcast_ref::<minijinja::Error>() {
                        Some(inner) => eprintln!("  caused by: {inner:#}"),
                        None => eprintln!("  caused by: {inner}"),
                    }
                    source = inner.source();
                }
            }
            PageError::Http(HttpError::internal(&format_args!("template {name}: {e}")))
        })
}

/// Points and percentages travel as decimal strings ("14.5"); pages show "14,5".
fn vn_number(v: &Value, fixed: bool) -> String {
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    match text.parse::<Points>() {
        Ok(p) if fixed => p.to_vn_fixed(),
        Ok(p) => p.to_vn(),
        Err(_) => text,
    }
}

#[cfg(test)]
mod tests {
    use minijinja::{Value, context};

    #[test]
    fn file_sizes_read_as_people_say_them() {
        assert_eq!(super::file_size(850), "850 byte");
        assert_eq!(super::file_size(12 * 1024 + 100), "12 KB");
        assert_eq!(super::file_size(3_565_158), "3,4 MB");
    }

    #[test]
    fn every_template_compiles() {
        let (_, errors) = super::environment();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn a_misspelled_variable_is_an_error_not_empty_text() {
        let (env, _) = super::environment();
        let page = env.render_str("Xin chào {{ nmae }}", context! { name => "An" });
        assert!(page.is_err(), "{page:?}");
        let optional = env.render_str(
            "{% if error is defined %}{{ error }}{% endif %}{{ notice|default('') }}ok",
            context! {},
        );
        assert_eq!(optional.expect("`is defined` and `default` allowed"), "ok");
        let tested = env.render_str("{% if error %}{{ error }}{% endif %}ok", context! {});
        if cfg!(debug_assertions) {
            assert!(
                tested.is_err(),
                "an unset flag tested under test: {tested:?}"
            );
        } else {
            assert_eq!(tested.expect("semi-strict in release"), "ok");
        }
        let none = env.render_str(
            "{% if error %}{{ error }}{% endif %}ok",
            context! { error => () },
        );
        assert_eq!(none.expect("a flag given as none is false"), "ok");
        let failed = super::render("error.html", context! {});
        assert!(failed.is_err(), "error.html without its message renders");
    }

    #[test]
    fn numbers_show_the_vietnamese_way() {
        assert_eq!(super::vn_number(&Value::from("1432.5"), false), "1.432,5");
        assert_eq!(super::vn_number(&Value::from("85.1"), true), "85,10");
        assert_eq!(
            super::vn_number(&Value::from("không phải số"), true),
            "không phải số"
        );
    }
}
