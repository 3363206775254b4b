//! A large slice split over the machine's cores, the results kept in the slice's order: the
//! SARIF reader's results and the store's scan keys of a million findings.

/// Below this many items a slice is handled on the calling thread.
const MIN_ITEMS: usize = 20_000;
/// At most this many threads share one slice.
const MAX_THREADS: usize = 8;

/// `f(offset, part)` over consecutive parts of `items` (`offset` is the part's first index),
/// on up to `available_parallelism()` threads (at most 8) when there are at least 20,000
/// items, else on the calling thread alone. The results come back in the parts' order; a
/// panic in a part is resumed on the calling thread.
pub fn map_parts<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &[T]) -> R + Sync) -> Vec<R> {
    let threads = if items.len() < MIN_ITEMS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, MAX_THREADS)
    };
    if threads == 1 {
        return vec![f(0, items)];
    }
    let per_thread = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let mut parts = items.chunks(per_thread).enumerate();
        let (_, first) = parts.next().expect("a slice of MIN_ITEMS has a first part");
        let others: Vec<_> = parts.map(|(i, part)| scope.spawn(move || f(i * per_thread, part))).collect();
        let mut out = vec![f(0, first)];
        for handle in others {
            out.push(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::map_parts;

    #[test]
    fn parts_cover_the_slice_in_order_with_their_offsets() {
        for n in [0, 1, 19_999, 20_000, 50_001] {
            let items: Vec<usize> = (0..n).collect();
            let parts = map_parts(&items, |offset, part| {
                assert!(part.iter().enumerate().all(|(j, v)| *v == offset + j), "offset {offset} matches its part");
                part.to_vec()
            });
            assert_eq!(parts.concat(), items, "{n} items");
        }
    }
}
