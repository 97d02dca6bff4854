//! Lists read as a stream: the answer is cut into its items while it arrives (see `split`),
//! the items are decoded [`BATCH`] at a time on [`DECODERS`] threads, and each item is reduced
//! at once by the caller's function, so that memory holds a few batches of items' JSON and the
//! reduced items, never the whole answer. Pages (`limit`/`continue`) are followed where the
//! API server pages; served from the watch cache (`resourceVersion=0`) it answers in one piece.
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use futures::AsyncReadExt;
use kube::api::ListParams;
use kube::core::Request;
use serde::Deserialize;

use super::split::{Piece, Splitter};
use super::{Action, Connection};
use crate::error::{Error, Result};

/// Items asked for per page, where the API server pages.
pub const PAGE: u32 = 500;

/// Items decoded together, and reduced between two calls of a list's `each_batch` (see
/// [`list`]).
pub const BATCH: usize = 128;

/// Threads that decode a list's items: two, so that decoding keeps up with a large answer (about
/// 1 KB an item) arriving at local speed.
pub const DECODERS: usize = 2;

/// Lists `path` (a collection URL) with `selector`, and returns `reduce` of each item's bytes,
/// in the server's order. `reduce` decodes only what the caller needs: a type that names only
/// those fields, borrowing its strings from the bytes, decodes much faster than a
/// `serde_json::Value` of the whole object (the others, such as `managedFields`, are skipped
/// without being built). `each_batch` sees the reduced items as they arrive, [`BATCH`] at a time
/// and at the end of each page, so that the caller can start work on them while the list still
/// streams in (one call per batch, not per item: a call that wakes another task costs about as
/// much as decoding an item). `what` names the list in parse errors (which never quote the
/// answer).
pub async fn list<T, F, B>(
    conn: &Connection,
    action: Action<'_>,
    path: &str,
    selector: Option<&str>,
    what: &str,
    reduce: F,
    each_batch: B,
) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&[u8]) -> serde_json::Result<T> + Send + Sync + Clone + 'static,
    B: FnMut(&[T]) + Send + Clone + 'static,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        // The first page from the watch cache (`resourceVersion=0`); a continue token carries
        // its own version. kube's ListParams drop `resourceVersion=0` when a limit is set (its
        // rule for etcd paging), so the limit is added to the URL here: an API server whose
        // watch cache pages (1.31+) pages, an older one answers in one piece from the cache,
        // and the stream decoding keeps memory bounded either way.
        let mut lp = match &token {
            None => ListParams::default().match_any(),
            Some(t) => ListParams::default().continue_token(t),
        };
        if let Some(sel) = selector {
            lp = lp.labels(sel);
        }
        let mut request = Request::new(path)
            .list(&lp)
            .map_err(|e| Error::Usage(format!("invalid --selector: {e}")))?;
        let uri = format!("{}&limit={PAGE}", request.uri());
        *request.uri_mut() = uri
            .parse()
            .map_err(|e| Error::Failed(format!("list URL {uri}: {e}")))?;
        let mut body = conn
            .call(action.clone(), conn.client.request_stream(request))
            .await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(8);
        let f = reduce.clone();
        let batch = each_batch.clone();
        let what_owned = what.to_string();
        let parser = tokio::task::spawn_blocking(move || {
            decode_page::<T, F, B>(
                std::iter::from_fn(|| rx.blocking_recv()),
                f,
                batch,
                &what_owned,
            )
        });
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match body.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(buf)).await.is_err() {
                        break; // the parser stopped (an error it reports)
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    break;
                }
            }
        }
        drop(tx);
        let (items, next) = parser
            .await
            .map_err(|e| Error::Failed(format!("reading {what}: {e}")))??;
        // One page (the watch cache's answer) is the whole list: no second copy of it.
        if out.is_empty() {
            out = items;
        } else {
            out.extend(items);
        }
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// An answer that could not be parsed: a line/column and what was expected, never its text.
pub fn parse_error(what: &str, e: serde_json::Error) -> Error {
    Error::Failed(format!(
        "the API server's answer for {what} could not be read (line {}, column {}): {:?}",
        e.line(),
        e.column(),
        e.classify()
    ))
}

#[derive(Deserialize)]
struct ListMeta {
    #[serde(rename = "continue")]
    next: Option<String>,
}

/// An item that could not be decoded: which one, a line/column in it and what was expected,
/// never its text.
fn item_error(what: &str, index: usize, e: serde_json::Error) -> Error {
    Error::Failed(format!(
        "the API server's answer for {what} could not be read (item {index}, line {}, column {}): {:?}",
        e.line(),
        e.column(),
        e.classify()
    ))
}

/// One page's answer, read from `chunks` as they arrive: the items reduced (in the answer's
/// order) and the continue token. The calling thread cuts the answer into items and hands them,
/// a batch at a time, to [`DECODERS`] threads that decode, reduce and tell `each_batch`.
fn decode_page<T, F, B>(
    chunks: impl Iterator<Item = std::io::Result<Vec<u8>>>,
    reduce: F,
    each_batch: B,
    what: &str,
) -> Result<(Vec<T>, Option<String>)>
where
    T: Send,
    F: Fn(&[u8]) -> serde_json::Result<T> + Send + Clone,
    B: FnMut(&[T]) + Send + Clone,
{
    // Two batches waiting per decoder at most: memory holds a few hundred items' JSON.
    let (work, queue) = sync_channel::<(usize, Vec<Vec<u8>>)>(2 * DECODERS);
    let queue = Mutex::new(Some(queue));
    std::thread::scope(|scope| {
        let decoders: Vec<_> = (0..DECODERS)
            .map(|_| {
                let (reduce, mut each_batch, queue) = (reduce.clone(), each_batch.clone(), &queue);
                scope.spawn(move || decode_batches(queue, &reduce, &mut each_batch, what))
            })
            .collect();
        let cut = cut_items(chunks, work, what);
        let mut batches = Vec::new();
        let mut failed = None;
        for decoder in decoders {
            // A panic in a decoder is a bug: the same panic here.
            match decoder
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
            {
                Ok(done) => batches.extend(done),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        // A decoder's error comes first: cutting stops when the decoders do.
        if let Some(e) = failed {
            return Err(e);
        }
        let meta = cut?;
        batches.sort_unstable_by_key(|(seq, _)| *seq);
        let mut items = Vec::with_capacity(batches.iter().map(|(_, b)| b.len()).sum());
        for (_, batch) in batches {
            items.extend(batch);
        }
        let next = match meta {
            Some(bytes) => serde_json::from_slice::<Option<ListMeta>>(&bytes)
                .map_err(|e| parse_error(&format!("{what} (its metadata)"), e))?
                .and_then(|m| m.next),
            None => None,
        };
        Ok((items, next))
    })
}

/// Cuts the answer into items, sent to the decoders [`BATCH`] at a time with their sequence
/// number; returns the top-level `metadata`'s bytes. Stops when the decoders stop.
fn cut_items(
    chunks: impl Iterator<Item = std::io::Result<Vec<u8>>>,
    work: SyncSender<(usize, Vec<Vec<u8>>)>,
    what: &str,
) -> Result<Option<Vec<u8>>> {
    let mut splitter = Splitter::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut seq = 0;
    let mut meta = None;
    let mut stopped = false;
    let unreadable = |e: String| {
        Error::Failed(format!(
            "the API server's answer for {what} could not be read ({e})"
        ))
    };
    for chunk in chunks {
        let chunk = chunk.map_err(|e| unreadable(e.to_string()))?;
        splitter
            .feed(&chunk, &mut |piece| match piece {
                Piece::Item(bytes) => {
                    batch.push(bytes);
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        stopped |= work.send((seq, full)).is_err();
                        seq += 1;
                    }
                }
                Piece::Metadata(bytes) => meta = Some(bytes),
            })
            .map_err(|e| unreadable(e.to_string()))?;
        if stopped {
            // A decoder failed: its error is the one reported.
            return Ok(None);
        }
    }
    splitter.finish().map_err(|e| unreadable(e.to_string()))?;
    if !batch.is_empty() {
        let _ = work.send((seq, batch));
    }
    Ok(meta)
}

/// The queue of batches, shared by the decoders; `None` once a decoder stopped.
type Queue = Mutex<Option<Receiver<(usize, Vec<Vec<u8>>)>>>;

/// Closes the queue when a decoder stops, whatever the reason (the end of the answer, an item
/// that cannot be decoded, a panic): the cutter's next send then fails instead of waiting for
/// a decoder that is gone.
struct CloseOnExit<'a>(&'a Queue);

impl Drop for CloseOnExit<'_> {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }
}

/// A decoder: takes batches until there are no more, decodes and reduces each item, and tells
/// `each_batch` of each batch; the batches with their sequence numbers.
fn decode_batches<T, F, B>(
    queue: &Queue,
    reduce: &F,
    each_batch: &mut B,
    what: &str,
) -> Result<Vec<(usize, Vec<T>)>>
where
    F: Fn(&[u8]) -> serde_json::Result<T>,
    B: FnMut(&[T]),
{
    let _close = CloseOnExit(queue);
    let mut done = Vec::new();
    loop {
        // The lock is held while waiting for the next batch (the other decoder decodes
        // meanwhile).
        let next = match queue.lock() {
            Ok(queue) => match queue.as_ref() {
                Some(queue) => queue.recv().ok(),
                None => None,
            },
            Err(_) => None,
        };
        let Some((seq, raw)) = next else {
            return Ok(done);
        };
        let mut batch = Vec::with_capacity(raw.len());
        for (i, bytes) in raw.iter().enumerate() {
            batch.push(reduce(bytes).map_err(|e| item_error(what, seq * BATCH + i, e))?);
        }
        drop(raw);
        each_batch(&batch);
        done.push((seq, batch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Named {
        metadata: Name,
    }

    #[derive(Deserialize)]
    struct Name {
        name: String,
    }

    /// The names of the items, the continue token, and the sizes of the batches seen, from
    /// `text` arriving in chunks of `size` bytes.
    fn read(text: &str, size: usize) -> Result<(Vec<String>, Option<String>, Vec<usize>)> {
        let batches = std::sync::Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let chunks: Vec<_> = text
            .as_bytes()
            .chunks(size)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let (items, next) = decode_page(
            chunks.into_iter(),
            |bytes: &[u8]| serde_json::from_slice::<Named>(bytes).map(|n| n.metadata.name),
            move |b: &[String]| seen.lock().unwrap().push(b.len()),
            "the test list",
        )?;
        let mut sizes = batches.lock().unwrap().clone();
        sizes.sort_unstable();
        Ok((items, next, sizes))
    }

    fn list(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"metadata":{{"name":"s{i}","managedFields":[{{"a":"]}}"}}]}}}}"#))
            .collect();
        format!(
            r#"{{"kind":"L","metadata":{{"resourceVersion":"5","continue":"abc"}},"items":[{}]}}"#,
            items.join(",")
        )
    }

    #[test]
    fn items_are_reduced_in_order_and_the_continue_token_kept() {
        let n = 3 * BATCH + 5;
        for size in [1, 100, 64 * 1024] {
            let (names, next, batches) = read(&list(n), size).unwrap();
            let want: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            assert_eq!(names, want, "chunks of {size}");
            assert_eq!(next.as_deref(), Some("abc"));
            // Every item in exactly one batch of at most BATCH.
            assert_eq!(batches, [5, BATCH, BATCH, BATCH]);
        }
        for text in [
            r#"{"items":null,"metadata":{}}"#,
            r#"{"items":[],"metadata":null}"#,
        ] {
            let (names, next, batches) = read(text, 3).unwrap();
            assert!(names.is_empty() && next.is_none() && batches.is_empty());
        }
    }

    #[test]
    fn an_item_that_cannot_be_decoded_is_named_by_its_place_never_quoted() {
        // The bad item is in the second batch; many batches follow (the decoders stop, and so
        // does the cutter: no wait for a decoder that is gone).
        let mut text = list(40 * BATCH);
        let at = text.find(r#""name":"s200""#).unwrap();
        text.replace_range(at..at + 13, r#""name":12345"#);
        let e = read(&text, 4096).unwrap_err().to_string();
        assert!(e.contains("the test list") && e.contains("item 200"), "{e}");
        assert!(!e.contains("12345"), "{e}");
        let e = read(r#"{"items":[{"metadata":{"name":"a"}},,]}"#, 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("an empty element in items at byte"), "{e}");
        let e = read(r#"{"items":[{"metadata":{"name":"a"}}"#, 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("ends inside the list object"), "{e}");
    }
}
