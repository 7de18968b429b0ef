//! Downloads: a file under its Vietnamese name, and files built off the async runtime
//! (Excel workbooks, the Word decision, the publication package), small ones whole and
//! large ones streamed as they are compressed.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::error::{HttpError, Result};

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of a Word document.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// The media type of a zip archive.
pub const ZIP: &str = "application/zip";

/// A file answered as a download under `file_name`.
pub fn attachment(file_name: &str, media_type: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(file_name)),
        ],
        body,
    )
        .into_response()
}

/// Builds a workbook on a blocking thread (off the async runtime) and answers it as a
/// download under `file_name`. For small files; large ones go through [`xlsx_stream`].
pub async fn xlsx_download(
    file_name: &str,
    build: impl FnOnce() -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> + Send + 'static,
) -> Result<Response> {
    built_download(file_name, XLSX, build).await
}

/// Builds a small file of `media_type` on a blocking thread and answers it as a download
/// under `file_name`.
pub async fn built_download<E: std::fmt::Display + Send + 'static>(
    file_name: &str,
    media_type: &str,
    build: impl FnOnce() -> std::result::Result<Vec<u8>, E> + Send + 'static,
) -> Result<Response> {
    let bytes = tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| HttpError::internal(&e))?
        .map_err(|e| file_failed(file_name, &e))?;
    Ok(attachment(file_name, media_type, Body::from(bytes)))
}

fn file_failed(file_name: &str, e: &dyn std::fmt::Display) -> HttpError {
    tracing::error!(error = %e, file = file_name, "download");
    let what = if file_name.ends_with(".xlsx") {
        "tệp Excel"
    } else {
        "tệp"
    };
    HttpError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("Không tạo được {what}. Vui lòng thử lại sau."),
    )
}

/// How long a download may stall (the client reading nothing) before it is given up.
const STALLED_DOWNLOAD: std::time::Duration = std::time::Duration::from_secs(120);

/// Large workbooks built at once; more wait their turn (each holds a blocking thread and,
/// for detail sheets, temporary files).
static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

type Chunk = std::io::Result<Bytes>;

/// Sends each chunk the zip writer produces to the response body. The channel is bounded:
/// the writer waits while the client is slower, gives up after [`STALLED_DOWNLOAD`], and
/// stops when the client leaves. The first chunk also says "the file is under way".
/// What a workbook's builder can ask while it works: whether the client is still waiting.
/// A national round's workbook takes its builder half a minute; one nobody will read
/// should stop there, not hold an export slot to the end.
pub struct Watch(tokio::sync::mpsc::Sender<Chunk>);

impl Watch {
    /// The client left (closed the connection, or the request was dropped).
    pub fn left(&self) -> bool {
        self.0.is_closed()
    }

    /// An error for a workbook's builder to stop with once the client left.
    pub fn gone() -> rust_xlsxwriter::XlsxError {
        rust_xlsxwriter::XlsxError::IoError(Watch::gone_io())
    }

    /// The same for a writer of any other file.
    pub fn gone_io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left")
    }
}

struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    runtime: tokio::runtime::Handle,
    started: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

impl ChannelWriter {
    fn send(&self, chunk: Chunk) -> std::io::Result<()> {
        let sent = self
            .runtime
            .block_on(tokio::time::timeout(STALLED_DOWNLOAD, self.tx.send(chunk)));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client left",
            )),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            )),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(started) = self.started.take() {
            let _ = started.send(Ok(()));
        }
        self.send(Ok(Bytes::copy_from_slice(buf)))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Builds a large workbook on a blocking thread and streams it to the client as it is
/// compressed: the finished file is never held in memory or on disk (rust_xlsxwriter writes
/// the zip in streaming mode; constant-memory sheets keep their rows in temporary files).
/// A failure before the first bytes leave (building, or the checks made on saving) is
/// answered as an error; one after cuts the download, so the client never gets a file that
/// looks whole but is not.
pub async fn xlsx_stream(
    file_name: &str,
    build: impl FnOnce(
        &Watch,
    )
        -> std::result::Result<rust_xlsxwriter::Workbook, rust_xlsxwriter::XlsxError>
    + Send
    + 'static,
) -> Result<Response> {
    stream_download(file_name, XLSX, move |writer, watch| {
        build(watch)
            .and_then(|mut workbook| workbook.save_to_writer(writer))
            .map_err(|e| e.to_string())
    })
    .await
}

/// Writes a large file of `media_type` on a blocking thread and streams it to the client as
/// `write` writes it, as [`xlsx_stream`] does a workbook: one of the same few export slots,
/// an error answered while no byte has left, a cut download after.
pub async fn stream_download(
    file_name: &str,
    media_type: &'static str,
    write: impl FnOnce(&mut (dyn std::io::Write + Send), &Watch) -> std::result::Result<(), String>
    + Send
    + 'static,
) -> Result<Response> {
    use std::io::Write;
    const CHUNK: usize = 64 * 1024;
    let permit = EXPORTS
        .acquire()
        .await
        .map_err(|e| HttpError::internal(&e))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let name = file_name.to_string();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut writer = std::io::BufWriter::with_capacity(
            CHUNK,
            ChannelWriter {
                tx,
                runtime,
                started: Some(started_tx),
            },
        );
        let watch = Watch(writer.get_ref().tx.clone());
        let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            write(&mut writer, &watch).and_then(|()| writer.flush().map_err(|e| e.to_string()))
        }))
        .unwrap_or_else(|_| Err("panic while writing the file".into()));
        let Err(e) = saved else { return };
        let channel = writer.get_mut();
        match channel.started.take() {
            // Nothing sent yet: the handler answers with an error.
            Some(started) => {
                let _ = started.send(Err(e));
            }
            None => {
                tracing::error!(error = %e, file = name, "download cut short");
                let _ = channel.send(Err(std::io::Error::other(e)));
            }
        }
    });
    match started_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(file_failed(file_name, &e)),
        Err(_) => {
            // The writer ended with neither a byte nor an error: a workbook or a zip always
            // has bytes, but answer rather than hang.
            return Err(file_failed(file_name, &"writer ended without output"));
        }
    }
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(attachment(file_name, media_type, Body::from_stream(stream)))
}

/// RFC 5987 `attr-char`: what may stand unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with the name twice (RFC 6266): `filename*` in UTF-8 for browsers, and
/// an ASCII `filename` for the rest, with Vietnamese letters stripped of their marks
/// ("Kế hoạch" → "Ke hoach") rather than lost.
pub(crate) fn content_disposition(name: &str) -> String {
    let fallback: String = crate::domain::collation::without_marks(name)
        .chars()
        .map(|c| match c {
            c if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' => c,
            // Letters outside Vietnamese's marks become '_'.
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_workbook_that_fails_before_its_first_byte_is_an_error_not_a_cut_download() {
        // Excel refuses two sheets whose names differ only in case; rust_xlsxwriter finds
        // out on saving, after the workbook was built.
        let duplicate = super::xlsx_stream("x.xlsx", |_| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            workbook.add_worksheet().set_name("Phường 1")?;
            workbook.add_worksheet().set_name("PHƯỜNG 1")?;
            Ok(workbook)
        })
        .await;
        assert_eq!(
            duplicate.err().map(|e| (e.status.as_u16(), e.code)),
            Some((500, "internal"))
        );
        let panicked = super::xlsx_stream("x.xlsx", |_| panic!("a bug while building")).await;
        assert_eq!(
            panicked.err().map(|e| (e.status.as_u16(), e.code)),
            Some((500, "internal"))
        );
    }

    #[tokio::test]
    async fn a_good_workbook_streams_whole() {
        let response = super::xlsx_stream("Xếp hạng.xlsx", |_| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            for row in 0..20_000 {
                sheet.write_string(row, 0, format!("Đơn vị số {row}"))?;
            }
            Ok(workbook)
        })
        .await
        .expect("response");
        assert_eq!(response.status(), 200);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        // More than one 64 KiB chunk, and a whole zip: it ends with the end-of-directory record.
        assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
        let tail = &bytes[bytes.len() - 22..];
        assert_eq!(&tail[..4], b"PK\x05\x06");
    }

    #[tokio::test]
    async fn a_builder_hears_that_the_client_left() {
        use std::time::{Duration, Instant};
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        let download = tokio::spawn(super::xlsx_stream("x.xlsx", move |watch| {
            // A long build, as a national round's: it looks up between chunks.
            let start = Instant::now();
            while !watch.left() && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = seen_tx.send((watch.left(), start.elapsed()));
            Err(super::Watch::gone())
        }));
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The client goes: the request's future is dropped.
        download.abort();
        let (left, after) = tokio::task::spawn_blocking(move || {
            seen_rx
                .recv_timeout(Duration::from_secs(15))
                .expect("build ended")
        })
        .await
        .expect("join");
        assert!(left, "the builder saw the client leave");
        assert!(after < Duration::from_secs(10), "{after:?}");
    }

    #[test]
    fn vietnamese_names_are_sent_both_ways() {
        assert_eq!(
            super::content_disposition("Kế hoạch CCHC 2023.pdf"),
            "attachment; filename=\"Ke hoach CCHC 2023.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20CCHC%202023.pdf"
        );
        assert_eq!(
            super::content_disposition("Đề án \"số 1\".docx"),
            "attachment; filename=\"De an _so 1_.docx\"; filename*=UTF-8''%C4%90%E1%BB%81%20%C3%A1n%20%22s%E1%BB%91%201%22.docx"
        );
    }
}
