//! The envelope every Redis value travels in, and the two payload codecs (JSON, postcard).
//!
//! Layout: `magic (0xC5) | format version | codec | entry tag | schema (u16, big-endian) |
//! payload`. The header lets a reader refuse, without guessing, a value written by another build
//! (another format version, another `SCHEMA` of the type, another codec) or by something else
//! entirely; such a value is a miss, never an error. A tombstone (an invalidated key) is
//! recognised whatever its codec and schema, since the writer of a tombstone does not know the
//! type stored under the key.

use crate::config::Codec;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value that may be cached. `SCHEMA` is bumped whenever the shape of the type changes
/// (a field added, removed, renamed or retyped): a value stored with another schema is then a
/// miss (counted as stale) and is overwritten by the next load.
///
/// The binary codec is postcard, which has no self-description: types must not rely on
/// `deserialize_any` (`#[serde(flatten)]`, `#[serde(untagged)]`) nor skip fields on writing
/// (`skip_serializing_if`). A round-trip property test per type in both codecs catches that
/// ([`round_trip`]).
pub trait Cacheable: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const SCHEMA: u16;
}

macro_rules! cacheable_v1 {
    ($($t:ty),*) => { $(impl Cacheable for $t { const SCHEMA: u16 = 1; })* };
}
cacheable_v1!(bool, i64, u64, Vec<i64>, String);

/// First byte of every value we write; anything else is not ours.
const MAGIC: u8 = 0xC5;
/// Version of the envelope layout itself, cache-wide (the `v1` in the keys names the key
/// layout). Bump it when the header changes.
pub const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 6;

const TAG_VALUE: u8 = 0;
const TAG_ABSENT: u8 = 1;
const TAG_TOMBSTONE: u8 = 2;

/// The codec byte; 0 is written only in tombstones.
const fn codec_byte(codec: Codec) -> u8 {
    match codec {
        Codec::Json => 1,
        Codec::Binary => 2,
    }
}

/// What a stored envelope holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<T> {
    /// A value loaded from the database.
    Value(T),
    /// The database had nothing under this key (a remembered "not found").
    Absent,
    /// The key was invalidated a moment ago: treat as a miss and do not write back.
    Tombstone,
}

/// Why a stored value cannot be used. Each case is a miss counted as stale or corrupt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("the value is {0} bytes, shorter than the envelope header")]
    Short(usize),
    #[error("the value does not start with the cache's magic byte (found {0:#04x})")]
    Magic(u8),
    #[error("the value has envelope format {found}, this build reads {FORMAT_VERSION}")]
    Format { found: u8 },
    #[error("the value was written with codec byte {found}, this kind reads {expected}")]
    Codec { found: u8, expected: u8 },
    #[error("the value has schema {found}, this build reads schema {expected}")]
    Schema { found: u16, expected: u16 },
    #[error("the value has an unknown entry tag {0}")]
    Tag(u8),
    #[error("the payload does not decode: {0}")]
    Payload(String),
    #[error("the value cannot be encoded: {0}")]
    Encode(String),
}

fn header(codec: u8, tag: u8, schema: u16) -> Vec<u8> {
    let [hi, lo] = schema.to_be_bytes();
    vec![MAGIC, FORMAT_VERSION, codec, tag, hi, lo]
}

/// The envelope of a value of `T` in `codec`.
pub fn encode_value<T: Cacheable>(codec: Codec, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = header(codec_byte(codec), TAG_VALUE, T::SCHEMA);
    match codec {
        Codec::Json => {
            serde_json::to_writer(&mut out, value).map_err(|e| CodecError::Encode(e.to_string()))?
        }
        Codec::Binary => {
            out = postcard::to_extend(value, out).map_err(|e| CodecError::Encode(e.to_string()))?
        }
    }
    Ok(out)
}

/// The envelope of "not found" for a key holding `T`.
pub fn encode_absent<T: Cacheable>(codec: Codec) -> Vec<u8> {
    header(codec_byte(codec), TAG_ABSENT, T::SCHEMA)
}

/// The envelope of an invalidated key.
pub fn encode_tombstone() -> Vec<u8> {
    header(0, TAG_TOMBSTONE, 0)
}

/// Reads an envelope written for `T` in `codec`.
pub fn decode<T: Cacheable>(codec: Codec, bytes: &[u8]) -> Result<Decoded<T>, CodecError> {
    let Some((head, payload)) = bytes.split_first_chunk::<HEADER_LEN>() else {
        return Err(match bytes.first() {
            Some(&b) if b != MAGIC => CodecError::Magic(b),
            _ => CodecError::Short(bytes.len()),
        });
    };
    let [magic, format, codec_found, tag, hi, lo] = *head;
    if magic != MAGIC {
        return Err(CodecError::Magic(magic));
    }
    if format != FORMAT_VERSION {
        return Err(CodecError::Format { found: format });
    }
    if tag == TAG_TOMBSTONE {
        return Ok(Decoded::Tombstone);
    }
    let expected = codec_byte(codec);
    if codec_found != expected {
        return Err(CodecError::Codec {
            found: codec_found,
            expected,
        });
    }
    let schema = u16::from_be_bytes([hi, lo]);
    if schema != T::SCHEMA {
        return Err(CodecError::Schema {
            found: schema,
            expected: T::SCHEMA,
        });
    }
    match tag {
        TAG_ABSENT if payload.is_empty() => Ok(Decoded::Absent),
        TAG_ABSENT => Err(CodecError::Payload(
            "bytes after a \"not found\"".to_owned(),
        )),
        TAG_VALUE => decode_payload(codec, payload).map(Decoded::Value),
        other => Err(CodecError::Tag(other)),
    }
}

fn decode_payload<T: Cacheable>(codec: Codec, payload: &[u8]) -> Result<T, CodecError> {
    match codec {
        Codec::Json => {
            serde_json::from_slice(payload).map_err(|e| CodecError::Payload(e.to_string()))
        }
        Codec::Binary => {
            let (value, rest) = postcard::take_from_bytes(payload)
                .map_err(|e| CodecError::Payload(e.to_string()))?;
            // postcard stops where the value ends: trailing bytes mean this is not what we wrote.
            if rest.is_empty() {
                Ok(value)
            } else {
                Err(CodecError::Payload(format!(
                    "{} bytes after the value",
                    rest.len()
                )))
            }
        }
    }
}

/// Encodes and decodes `value` in `codec`: what a property test of a cached type checks.
pub fn round_trip<T: Cacheable>(codec: Codec, value: &T) -> Result<T, CodecError> {
    match decode::<T>(codec, &encode_value(codec, value)?)? {
        Decoded::Value(v) => Ok(v),
        Decoded::Absent | Decoded::Tombstone => Err(CodecError::Payload(
            "a value read back as no value".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CODECS: [Codec; 2] = [Codec::Json, Codec::Binary];

    fn check<T: Cacheable + PartialEq + std::fmt::Debug>(value: T) -> Result<(), TestCaseError> {
        for codec in CODECS {
            prop_assert_eq!(round_trip(codec, &value), Ok(value.clone()));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn bools_round_trip(v: bool) { check(v)?; }
        #[test]
        fn i64s_round_trip(v: i64) { check(v)?; }
        #[test]
        fn u64s_round_trip(v: u64) { check(v)?; }
        #[test]
        fn vecs_round_trip(v: Vec<i64>) { check(v)?; }
        #[test]
        fn strings_round_trip(v: String) { check(v)?; }

        /// Whatever bytes are stored, decoding answers (a value, or an error) and never panics.
        #[test]
        fn garbage_never_panics(bytes: Vec<u8>) {
            for codec in CODECS {
                let _ = decode::<String>(codec, &bytes);
                let _ = decode::<Vec<i64>>(codec, &bytes);
            }
        }
    }

    #[test]
    fn not_found_and_tombstones_round_trip() {
        for codec in CODECS {
            assert_eq!(
                decode::<i64>(codec, &encode_absent::<i64>(codec)),
                Ok(Decoded::Absent)
            );
            assert_eq!(
                decode::<i64>(codec, &encode_tombstone()),
                Ok(Decoded::Tombstone)
            );
        }
    }

    #[test]
    fn another_codec_is_refused() {
        let json = encode_value(Codec::Json, &7_i64).unwrap();
        assert_eq!(
            decode::<i64>(Codec::Binary, &json),
            Err(CodecError::Codec {
                found: 1,
                expected: 2
            })
        );
        let absent = encode_absent::<i64>(Codec::Binary);
        assert!(matches!(
            decode::<i64>(Codec::Json, &absent),
            Err(CodecError::Codec { .. })
        ));
    }

    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    struct Shaped(i64);
    impl Cacheable for Shaped {
        const SCHEMA: u16 = 2;
    }

    #[test]
    fn another_schema_is_refused() {
        let old = encode_value(Codec::Binary, &7_i64).unwrap();
        assert!(matches!(
            decode::<Shaped>(Codec::Binary, &old),
            Err(CodecError::Schema {
                found: 1,
                expected: 2
            })
        ));
    }

    #[test]
    fn foreign_bytes_are_refused() {
        assert_eq!(decode::<i64>(Codec::Json, b""), Err(CodecError::Short(0)));
        assert_eq!(
            decode::<i64>(Codec::Json, b"42"),
            Err(CodecError::Magic(b'4'))
        );
        assert_eq!(
            decode::<i64>(Codec::Json, &[MAGIC, 1]),
            Err(CodecError::Short(2))
        );
        let mut other_format = encode_value(Codec::Json, &1_i64).unwrap();
        other_format[1] = 9;
        assert_eq!(
            decode::<i64>(Codec::Json, &other_format),
            Err(CodecError::Format { found: 9 })
        );
        let mut bad_tag = encode_value(Codec::Json, &1_i64).unwrap();
        bad_tag[3] = 7;
        assert_eq!(
            decode::<i64>(Codec::Json, &bad_tag),
            Err(CodecError::Tag(7))
        );
    }

    #[test]
    fn damaged_payloads_are_refused() {
        for codec in CODECS {
            let mut v = encode_value(codec, &"hello".to_owned()).unwrap();
            v.truncate(v.len() - 2);
            assert!(matches!(
                decode::<String>(codec, &v),
                Err(CodecError::Payload(_))
            ));
        }
        let mut trailing = encode_value(Codec::Binary, &5_u64).unwrap();
        trailing.push(0);
        assert!(matches!(
            decode::<u64>(Codec::Binary, &trailing),
            Err(CodecError::Payload(_))
        ));
    }

    #[test]
    fn binary_is_compact() {
        let v: Vec<i64> = (0..100).collect();
        let json = encode_value(Codec::Json, &v).unwrap();
        let binary = encode_value(Codec::Binary, &v).unwrap();
        assert!(
            binary.len() < json.len() / 2,
            "{} vs {}",
            binary.len(),
            json.len()
        );
    }
}
