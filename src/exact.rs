//! Lists read back from a saved index at their exact length. Serde grows a long list by doubling from 1 MiB, so
//! every list of a large index would leave its earlier copies with the allocator, which keeps them until it is
//! busy again: at 100,000 entries a process that had just started from its saved index held 366 MB with them
//! grown, 332 MB with them exact (and 292 MB once the longest byte lists no longer went through a scratch buffer).

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// For `#[serde(deserialize_with = "crate::exact::vec")]`. The length comes from the file, which is checked
/// whole before any of it is decoded (`matcher::saved`), so it is the length that was written.
pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Exact<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Exact<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element()? {
                list.push(item);
            }
            Ok(list)
        }
    }

    d.deserialize_seq(Exact(PhantomData))
}
