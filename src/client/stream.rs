//! Lists read as a stream: the answer is decoded while it arrives, one item at a time, and each
//! item is reduced at once by the caller's function, so that memory holds one item's JSON and
//! the reduced items, never the whole answer. Pages (`limit`/`continue`) are followed where the
//! API server pages; served from the watch cache (`resourceVersion=0`) it answers in one piece.
use std::io::Read;

use futures::AsyncReadExt;
use kube::api::ListParams;
use kube::core::Request;
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Action, Connection};
use crate::error::{Error, Result};

/// Items asked for per page, where the API server pages.
pub const PAGE: u32 = 500;

/// Lists `path` (a collection URL) with `selector`, and returns `reduce` of each item, in the
/// server's order. `what` names the list in parse errors (which never quote the answer).
pub async fn list<T, F>(
    conn: &Connection,
    action: Action<'_>,
    path: &str,
    selector: Option<&str>,
    what: &str,
    reduce: F,
) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&Value) -> T + Send + Sync + Clone + 'static,
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
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(8);
        let f = reduce.clone();
        let what_owned = what.to_string();
        let parser = tokio::task::spawn_blocking(move || {
            let reader = std::io::BufReader::with_capacity(
                64 * 1024,
                ChannelReader {
                    rx,
                    chunk: Vec::new(),
                    pos: 0,
                },
            );
            let mut de = serde_json::Deserializer::from_reader(reader);
            let mut items = Vec::new();
            let token = ListSeed {
                reduce: &f,
                items: &mut items,
            }
            .deserialize(&mut de)
            .map_err(|e| parse_error(&what_owned, e))?;
            Ok::<_, Error>((items, token))
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
        out.extend(items);
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

/// The body's chunks, as the blocking parser reads them.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.chunk.len() {
                let n = buf.len().min(self.chunk.len() - self.pos);
                buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
    }
}

/// The list object: `items` reduced one by one, `metadata.continue` kept, the rest skipped.
struct ListSeed<'a, T, F> {
    reduce: &'a F,
    items: &'a mut Vec<T>,
}

#[derive(Deserialize)]
struct ListMeta {
    #[serde(rename = "continue")]
    next: Option<String>,
}

impl<'de, T, F: Fn(&Value) -> T> DeserializeSeed<'de> for ListSeed<'_, T, F> {
    type Value = Option<String>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T, F: Fn(&Value) -> T> Visitor<'de> for ListSeed<'_, T, F> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Kubernetes list object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut next = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "items" => map.next_value_seed(ItemsSeed {
                    reduce: self.reduce,
                    items: &mut *self.items,
                })?,
                "metadata" => next = map.next_value::<ListMeta>()?.next,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(next)
    }
}

/// `items`: each decoded alone and reduced at once (`null` is an empty list).
struct ItemsSeed<'a, T, F> {
    reduce: &'a F,
    items: &'a mut Vec<T>,
}

impl<'de, T, F: Fn(&Value) -> T> DeserializeSeed<'de> for ItemsSeed<'_, T, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, F: Fn(&Value) -> T> Visitor<'de> for ItemsSeed<'_, T, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            self.items.push((self.reduce)(&item));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<String>, Option<String>) {
        let mut items = Vec::new();
        let reduce = |v: &Value| {
            v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let mut de = serde_json::Deserializer::from_reader(text.as_bytes());
        let next = ListSeed {
            reduce: &reduce,
            items: &mut items,
        }
        .deserialize(&mut de)
        .unwrap();
        (items, next)
    }

    #[test]
    fn items_are_reduced_and_the_continue_token_kept() {
        let (items, next) = parse(
            r#"{"kind":"L","metadata":{"resourceVersion":"5","continue":"abc"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#,
        );
        assert_eq!(items, ["a", "b"]);
        assert_eq!(next.as_deref(), Some("abc"));
        let (items, next) = parse(r#"{"items":null,"metadata":{}}"#);
        assert!(items.is_empty());
        assert_eq!(next, None);
    }
}
