//! Timing two implementations in alternation (`H2GRPC_INTERLEAVE=1` in `codec.rs` and
//! `dynamic.rs`): on a shared VM whose speed changes from one second to the next, criterion's
//! ratio compares two different moments; batches of each side taken in turn get the same ones.

/// Medians of `ours` and `theirs` per call, and the median of the rounds' ratios (theirs / ours:
/// above 1, h2grpc is faster).
pub(crate) fn alternate(mut ours: impl FnMut(), mut theirs: impl FnMut()) -> (f64, f64, f64) {
    use std::time::Instant;
    const ROUNDS: usize = 2_000;
    let batch = |f: &mut dyn FnMut(), n: u32| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(n)
    };
    // A batch of about 20 µs.
    let start = Instant::now();
    for _ in 0..1_000 {
        ours();
    }
    let probe = start.elapsed().as_nanos().max(1_000) / 1_000;
    let n = u32::try_from(20_000 / probe).unwrap_or(1).clamp(1, 100_000);
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (x, y) = if round % 2 == 0 {
            let x = batch(&mut ours, n);
            (x, batch(&mut theirs, n))
        } else {
            let y = batch(&mut theirs, n);
            (batch(&mut ours, n), y)
        };
        a.push(x);
        b.push(y);
        ratios.push(y / x);
    }
    (median(a), median(b), median(ratios))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
