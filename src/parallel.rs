//! Independent jobs on every core: loading and indexing a large FAQ cut their work into runs of files or
//! entries, and take the results back in job order, so that any machine builds the same corpus and index.

use std::ops::Range;

/// How many threads a bulk job may use.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `0..len` cut into at most `parts` contiguous runs of near-equal length, in order; always at least one.
pub fn runs(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, len.max(1));
    (0..parts).map(|p| len * p / parts..len * (p + 1) / parts).collect()
}

/// `f` of every job, each on a thread of its own (the first on the caller's), the results in job order.
pub fn map<J: Send, R: Send>(jobs: Vec<J>, f: impl Fn(J) -> R + Sync) -> Vec<R> {
    let mut jobs = jobs.into_iter();
    let Some(first) = jobs.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let f = &f;
        let others: Vec<_> = jobs.map(|job| scope.spawn(move || f(job))).collect();
        let mut results = vec![f(first)];
        // A job that panicked is a bug: pass its panic on as if it had run here.
        results.extend(others.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))));
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_item_once_in_order() {
        for len in 0..20 {
            for parts in 1..6 {
                let runs = runs(len, parts);
                assert!(!runs.is_empty() && runs.len() <= parts.max(1));
                assert_eq!(runs.iter().flat_map(Clone::clone).collect::<Vec<_>>(), (0..len).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn results_come_back_in_job_order() {
        assert_eq!(map((0..7).collect(), |j: u32| j * j), [0, 1, 4, 9, 16, 25, 36]);
        assert!(map(Vec::<u32>::new(), |j| j).is_empty());
    }
}
