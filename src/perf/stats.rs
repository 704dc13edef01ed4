//! The statistics behind the perf gate: Welch's t-test on raw samples and a one-sided
//! prediction interval over earlier runs, both from Student's t distribution (statrs).

use statrs::distribution::{ContinuousCDF, StudentsT};

pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// Sample variance (n − 1); 0 for fewer than two values.
pub fn variance(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64
}

/// The `p` quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let q = t.inverse_cdf(p);
    q.is_finite().then_some(q)
}

/// One-sided Welch's t-test: the p-value of "`b`'s mean is larger than `a`'s".
/// `None` with fewer than two samples on either side.
pub fn welch_greater(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (variance(a) / na, variance(b) / nb);
    let diff = mean(b) - mean(a);
    let se2 = va + vb;
    if se2 <= 0.0 {
        // No spread at all: the difference is certain.
        return Some(if diff > 0.0 { 0.0 } else { 1.0 });
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df.max(1.0)).ok()?;
    Some(1.0 - dist.cdf(t))
}

/// The upper bound of a one-sided prediction interval at `confidence` for one new value
/// drawn like `xs`: mean + t(confidence, n − 1) · s · √(1 + 1/n). `None` for n < 2.
pub fn prediction_upper(xs: &[f64], confidence: f64) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let t = t_quantile(confidence, n - 1.0)?;
    Some(mean(xs) + t * variance(xs).sqrt() * (1.0 + 1.0 / n).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((t_quantile(0.975, 10.0).unwrap() - 2.228).abs() < 1e-3);
        assert!((variance(&[1.0, 2.0, 3.0, 4.0]) - 1.6667).abs() < 1e-3);
        let p = welch_greater(&[10.0, 11.0, 9.0, 10.0], &[15.0, 16.0, 14.0, 15.0]).unwrap();
        assert!(p < 0.001, "{p}");
        let p = welch_greater(&[15.0, 16.0, 14.0, 15.0], &[10.0, 11.0, 9.0, 10.0]).unwrap();
        assert!(p > 0.999, "{p}");
        assert_eq!(welch_greater(&[1.0], &[2.0, 3.0]), None);
        let up = prediction_upper(&[100.0, 101.0, 99.0, 100.0, 100.0], 0.99).unwrap();
        assert!(up > 101.0 && up < 106.0, "{up}");
    }
}
