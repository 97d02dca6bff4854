//! JSON read leniently, as the reference model reads objects from the API server: a field of
//! the wrong JSON type reads as absent (its default), never as an error, and what a type does not
//! name is skipped without being built. Strings are borrowed from the input where they have no
//! escapes, so that reading a listed server's spec allocates only for what is kept.
//!
//! A view is a `#[derive(Deserialize)]` struct with `#[serde(default)]` whose every field has
//! `#[serde(deserialize_with = "lenient::read")]` and a type that is [`Lenient`]: a string
//! ([`Text`]), a `bool`, a `Vec` of lenient items, a [`Pairs`] map, or another view (declared
//! with [`views!`](crate::views)). Reading one from a `serde_json::Value` ([`of`]) and from
//! bytes gives the same answer (tested where the views are).
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON string, borrowed where it can be; `None` for any other JSON type.
pub type Text<'a> = Option<Cow<'a, str>>;

/// What a lenient type takes of each JSON type; anything else is skipped and reads as
/// `Default::default()`.
pub trait Lenient<'de>: Default {
    fn string(_text: Cow<'de, str>) -> Self {
        Self::default()
    }
    fn boolean(_b: bool) -> Self {
        Self::default()
    }
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

/// Reads a lenient type: the `deserialize_with` of every field of a view.
pub fn read<'de, D: Deserializer<'de>, T: Lenient<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(Any(PhantomData))
}

/// Reads a view from a JSON value (an object the caller holds whole, e.g. `&object["spec"]`).
/// Never fails: a value has no duplicate keys and no malformed text, and every field of a view
/// takes any JSON type.
pub fn of<'a, T: Lenient<'a>>(value: &'a serde_json::Value) -> T {
    read(value).unwrap_or_default()
}

impl<'de> Lenient<'de> for Text<'de> {
    fn string(text: Cow<'de, str>) -> Self {
        Some(text)
    }
}

impl<'de> Lenient<'de> for bool {
    fn boolean(b: bool) -> Self {
        b
    }
}

impl<'de, T: Lenient<'de>> Lenient<'de> for Vec<T> {
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(Item(item)) = seq.next_element::<Item<T>>()? {
            out.push(item);
        }
        Ok(out)
    }
}

/// A JSON object's entries, each value read leniently (a string map whose values may be of other
/// types); in key order, and the last of a duplicated key wins, as in a `serde_json` object.
#[derive(Debug, Default, PartialEq)]
pub struct Pairs<'a, T>(pub Vec<(Cow<'a, str>, T)>);

impl<'de, T: Lenient<'de>> Lenient<'de> for Pairs<'de, T> {
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let Item(value) = map.next_value::<Item<T>>()?;
            out.push((key, value));
        }
        // Last first, so that the stable sort keeps it first among its equals.
        out.reverse();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|later, first| later.0 == first.0);
        Ok(Pairs(out))
    }
}

/// Declares views: `Lenient` for structs that derive `Deserialize` with `#[serde(default)]`
/// (an object reads as the struct, anything else as its default).
#[macro_export]
macro_rules! views {
    ($($view:ident),* $(,)?) => {$(
        impl<'de> $crate::core::lenient::Lenient<'de> for $view<'de> {
            fn map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
                <Self as serde::Deserialize>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )
            }
        }
    )*};
}

/// A lenient item of a list or map (`Deserialize` for any lenient type).
struct Item<T>(T);

impl<'de, T: Lenient<'de>> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(d).map(Item)
    }
}

/// An object's key, borrowed where it can be.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A key is always a string: `Text` reads it.
        read::<D, Text<'de>>(d).map(|k| Key(k.unwrap_or_default()))
    }
}

/// The visitor of every lenient type: each JSON type goes to what `T` takes of it.
struct Any<T>(PhantomData<T>);

impl<'de, T: Lenient<'de>> Visitor<'de> for Any<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<T, E> {
        Ok(T::boolean(b))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<T, E> {
        Ok(T::string(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        Ok(T::string(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<T, E> {
        Ok(T::string(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    struct Probe<'a> {
        #[serde(borrow, deserialize_with = "read")]
        name: Text<'a>,
        #[serde(deserialize_with = "read")]
        optional: bool,
        #[serde(borrow, deserialize_with = "read")]
        items: Vec<Probe<'a>>,
        #[serde(borrow, deserialize_with = "read")]
        env: Pairs<'a, Text<'a>>,
    }
    crate::views!(Probe);

    fn both(text: &str) -> Probe<'_> {
        let from_bytes: Probe = read(&mut serde_json::Deserializer::from_str(text)).unwrap();
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let from_value: Probe = of(&value);
        assert_eq!(
            format!("{from_bytes:?}"),
            format!("{from_value:?}"),
            "{text}"
        );
        from_bytes
    }

    #[test]
    fn each_field_takes_its_type_and_reads_any_other_as_absent() {
        let p = both(
            r#"{"name":"a","optional":true,"items":[{"name":"b"},3,"x",null,{"name":7}],"env":{"K":"v","N":1},"other":{"deep":[1,{"x":2}]}}"#,
        );
        assert_eq!(p.name.as_deref(), Some("a"));
        assert!(p.optional);
        // Items of another type keep their place, as defaults.
        let names: Vec<_> = p.items.iter().map(|i| i.name.as_deref()).collect();
        assert_eq!(names, [Some("b"), None, None, None, None]);
        assert_eq!(
            p.env.0,
            [("K".into(), Some("v".into())), ("N".into(), None)]
        );
        // In key order, the last of a duplicated key winning, as in a JSON value.
        let p: Probe = read(&mut serde_json::Deserializer::from_str(
            r#"{"env":{"Z":"1","A":"2","Z":"3","M":4}}"#,
        ))
        .unwrap();
        let env: Vec<_> = p
            .env
            .0
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_deref()))
            .collect();
        assert_eq!(env, [("A", Some("2")), ("M", None), ("Z", Some("3"))]);
        for odd in [
            r#"{"name":1,"optional":"true","items":{"name":"b"},"env":["K"]}"#,
            r#"{"name":{"a":[]},"optional":null,"items":"x","env":"K=v"}"#,
            "[1,2]",
            "\"text\"",
            "null",
            "12.5",
        ] {
            assert_eq!(both(odd), Probe::default(), "{odd}");
        }
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let text = r#"{"name":"plain","env":{"K":"a\"b"}}"#;
        let p = both(text);
        assert!(matches!(p.name, Some(Cow::Borrowed("plain"))));
        assert!(matches!(&p.env.0[0].1, Some(Cow::Owned(v)) if v == "a\"b"));
        assert_eq!(
            of::<Probe>(&json!({"name": "x"})).name.as_deref(),
            Some("x")
        );
    }

    #[test]
    fn malformed_text_is_an_error_not_a_default() {
        for bad in [
            r#"{"name":"a""#,
            r#"{"items":[1,}"#,
            r#"{"name":"a","name":"b"}"#,
        ] {
            assert!(
                read::<_, Probe>(&mut serde_json::Deserializer::from_str(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
