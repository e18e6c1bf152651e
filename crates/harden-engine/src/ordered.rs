//! Work over files on several threads, results handed on in input order as
//! soon as each is ready, so output streams and memory holds only the
//! results not yet handed on (at most `window` of them).

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

/// The threads to use: the machine's parallelism, or `HARDEN_THREADS`.
pub fn threads() -> usize {
    std::env::var("HARDEN_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

type Outcome<R> = std::thread::Result<R>;

struct State<R> {
    next_to_claim: usize,
    next_to_hand_on: usize,
    ready: BTreeMap<usize, Outcome<R>>,
    stop: bool,
}

/// Runs `work` on each item on up to `threads` threads and calls `consume`
/// with each result in item order, on the calling thread. A worker does not
/// start item `i` until item `i - window` has been handed on. `consume`
/// returning `false` stops the rest (items already started finish). A
/// panic in `work` stops the rest and goes on in the caller, never a hang.
pub fn for_each_ordered<T, R, W, C>(
    items: &[T],
    threads: usize,
    window: usize,
    work: W,
    mut consume: C,
) where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    C: FnMut(usize, R) -> bool,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        for (i, item) in items.iter().enumerate() {
            if !consume(i, work(item)) {
                return;
            }
        }
        return;
    }
    let window = window.max(threads);
    let state = Mutex::new(State {
        next_to_claim: 0,
        next_to_hand_on: 0,
        ready: BTreeMap::new(),
        stop: false,
    });
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = {
                    let mut s = state.lock().expect("no worker panics holding the lock");
                    loop {
                        if s.stop || s.next_to_claim >= items.len() {
                            return;
                        }
                        if s.next_to_claim < s.next_to_hand_on + window {
                            break;
                        }
                        s = changed.wait(s).expect("no worker panics holding the lock");
                    }
                    s.next_to_claim += 1;
                    s.next_to_claim - 1
                };
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&items[i])));
                state
                    .lock()
                    .expect("no worker panics holding the lock")
                    .ready
                    .insert(i, result);
                changed.notify_all();
            });
        }
        let mut s = state.lock().expect("no worker panics holding the lock");
        while s.next_to_hand_on < items.len() {
            let i = s.next_to_hand_on;
            match s.ready.remove(&i) {
                Some(Err(panic)) => {
                    s.stop = true;
                    drop(s);
                    changed.notify_all();
                    std::panic::resume_unwind(panic);
                }
                Some(Ok(result)) => {
                    s.next_to_hand_on += 1;
                    drop(s);
                    changed.notify_all();
                    let go_on = consume(i, result);
                    s = state.lock().expect("no worker panics holding the lock");
                    if !go_on {
                        s.stop = true;
                        changed.notify_all();
                        return;
                    }
                }
                None => s = changed.wait(s).expect("no worker panics holding the lock"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_order_whatever_the_threads_finish() {
        let items: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            for_each_ordered(
                &items,
                threads,
                4,
                |&n| {
                    // Early items take longest.
                    std::thread::sleep(std::time::Duration::from_micros((200 - n) * 20));
                    n * 2
                },
                |i, r| {
                    seen.push((i, r));
                    true
                },
            );
            let want: Vec<(usize, u64)> = items.iter().map(|&n| (n as usize, n * 2)).collect();
            assert_eq!(seen, want, "threads {threads}");
        }
    }

    #[test]
    fn no_more_than_the_window_is_waiting() {
        let items: Vec<usize> = (0..100).collect();
        let running = AtomicUsize::new(0);
        let handed_on = AtomicUsize::new(0);
        let max_ahead = AtomicUsize::new(0);
        for_each_ordered(
            &items,
            4,
            6,
            |&i| {
                running.fetch_add(1, Ordering::SeqCst);
                let ahead = i - handed_on.load(Ordering::SeqCst);
                max_ahead.fetch_max(ahead, Ordering::SeqCst);
                if i == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(30));
                }
                i
            },
            |_, _| {
                handed_on.fetch_add(1, Ordering::SeqCst);
                true
            },
        );
        assert_eq!(running.load(Ordering::SeqCst), 100);
        // `handed_on` counts in `consume`, a moment after the window moved.
        assert!(max_ahead.load(Ordering::SeqCst) <= 6, "{max_ahead:?}");
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items: Vec<usize> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            for_each_ordered(
                &items,
                2,
                4,
                |&i| {
                    assert!(i != 7, "item seven");
                    i
                },
                |_, _| true,
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn stopping_ends_the_rest() {
        let items: Vec<usize> = (0..1000).collect();
        let done = AtomicUsize::new(0);
        let mut handed = 0;
        for_each_ordered(
            &items,
            2,
            4,
            |&i| {
                done.fetch_add(1, Ordering::SeqCst);
                i
            },
            |_, _| {
                handed += 1;
                handed < 10
            },
        );
        assert_eq!(handed, 10);
        assert!(done.load(Ordering::SeqCst) < 20);
    }
}
