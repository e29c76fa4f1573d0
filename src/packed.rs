//! Numbers packed seven bits to a byte (LEB128): most numbers the index and the corpus store this way are
//! small, and one or two bytes each instead of four adds up over millions of them.

use std::ops::ControlFlow;

/// Appends `n` in one to five bytes.
pub fn push(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The numbers packed in `bytes`, in order.
pub fn unpack(mut bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    std::iter::from_fn(move || {
        let mut n = 0u32;
        for (k, &b) in bytes.iter().enumerate() {
            n |= u32::from(b & 0x7F) << (7 * k);
            if b < 0x80 {
                bytes = &bytes[k + 1..];
                return Some(n);
            }
        }
        None
    })
}

/// Calls `f` with each number packed in `bytes`, in order, until it breaks: the same numbers as `unpack`, as a
/// plain loop that hot paths can afford.
pub fn for_each(bytes: &[u8], mut f: impl FnMut(u32) -> ControlFlow<()>) {
    let mut rest = bytes.iter();
    while let Some(&first) = rest.next() {
        // Most numbers are one byte, taken as it is: only the longer ones are put together seven bits at a time.
        let mut n = u32::from(first);
        if first >= 0x80 {
            n &= 0x7F;
            let mut shift = 7;
            loop {
                // A number cut off by the end of the bytes is not one.
                let Some(&b) = rest.next() else { return };
                n |= u32::from(b & 0x7F) << shift;
                if b < 0x80 {
                    break;
                }
                shift += 7;
            }
        }
        if f(n).is_break() {
            return;
        }
    }
}

/// How many bytes the first `n` numbers packed in `bytes` take (all of them if it holds fewer).
pub fn len_of(bytes: &[u8], n: usize) -> usize {
    match n {
        0 => 0,
        n => bytes.iter().enumerate().filter(|(_, b)| **b < 0x80).nth(n - 1).map_or(bytes.len(), |(k, _)| k + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_come_back_as_packed(numbers in proptest::collection::vec(any::<u32>(), 0..20)) {
            let mut bytes = Vec::new();
            for &n in &numbers {
                push(&mut bytes, n);
            }
            prop_assert_eq!(unpack(&bytes).collect::<Vec<_>>(), numbers.clone());
            let mut each = Vec::new();
            for_each(&bytes, |n| {
                each.push(n);
                ControlFlow::Continue(())
            });
            prop_assert_eq!(each, numbers.clone());
            // Breaking stops at once: the numbers up to the first break and no more.
            let mut first = Vec::new();
            for_each(&bytes, |n| {
                first.push(n);
                if first.len() == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            });
            prop_assert_eq!(first, numbers.iter().copied().take(3).collect::<Vec<_>>());
            // The first k numbers take the bytes that unpack back to them.
            for k in 0..=numbers.len() {
                prop_assert_eq!(unpack(&bytes[..len_of(&bytes, k)]).collect::<Vec<_>>(), &numbers[..k]);
            }
        }
    }
}
