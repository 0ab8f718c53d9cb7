//! Compact, exact encoding of numeric arrays inside JSON artifacts.
//!
//! A `Vec<T>` is written as a base64 string of its little-endian bytes, so large forests
//! stay small on disk and every float keeps its exact bits. Use with
//! `#[serde(with = "optocom_core::artifact::packed")]` on `Vec<f64>`, `Vec<f32>`,
//! `Vec<u64>`, `Vec<u32>`, `Vec<u16>`, `Vec<u8>`, `Vec<i32>` fields.
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Nodes {
//!     #[serde(with = "optocom_core::artifact::packed")]
//!     threshold: Vec<f64>,
//! }
//! let n = Nodes { threshold: vec![0.5, -1.25] };
//! let json = serde_json::to_string(&n).unwrap();
//! assert_eq!(json, r#"{"threshold":"AAAAAAAA4D8AAAAAAAD0vw=="}"#);
//! assert_eq!(serde_json::from_str::<Nodes>(&json).unwrap(), n);
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

/// A fixed-size number with a little-endian byte form.
pub trait Packable: Sized + Copy {
    /// Size in bytes.
    const SIZE: usize;
    /// Appends the little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads from exactly `SIZE` bytes.
    fn get(b: &[u8]) -> Self;
}

macro_rules! packable {
    ($($t:ty),*) => {$(
        impl Packable for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_le_bytes()); }
            fn get(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
        }
    )*};
}
packable!(f64, f32, u64, u32, u16, u8, i32, i64);

/// Packs a slice into base64 little-endian.
pub fn encode<T: Packable>(v: &[T]) -> String {
    let mut bytes = Vec::with_capacity(v.len() * T::SIZE);
    for &x in v {
        x.put(&mut bytes);
    }
    STANDARD.encode(bytes)
}

/// Unpacks a string written by [`encode`].
pub fn decode<T: Packable>(s: &str) -> Result<Vec<T>, String> {
    let bytes = STANDARD.decode(s).map_err(|e| format!("bad base64: {e}"))?;
    if bytes.len() % T::SIZE != 0 {
        return Err(format!(
            "packed array of {} bytes is not a multiple of {}",
            bytes.len(),
            T::SIZE
        ));
    }
    Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
}

/// serde `serialize_with`.
pub fn serialize<S: Serializer, T: Packable>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&encode(v))
}

/// serde `deserialize_with`.
pub fn deserialize<'de, D: Deserializer<'de>, T: Packable>(d: D) -> Result<Vec<T>, D::Error> {
    let s = String::deserialize(d)?;
    decode(&s).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip_all_types() {
        assert_eq!(
            decode::<u32>(&encode(&[1u32, u32::MAX, 7])).unwrap(),
            vec![1, u32::MAX, 7]
        );
        let f = [f64::NAN, f64::INFINITY, -0.0, 1e-310];
        let back = decode::<f64>(&encode(&f)).unwrap();
        for (a, b) in f.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert!(decode::<u64>("AAA=").is_err());
        assert!(decode::<u8>("!!").is_err());
    }
}
