//! INTERIM (branch webpage only): replaced by `crate::charts::StackedBars` at merge.

use crate::impact::ChartData;

pub fn svg(chart: &ChartData) -> String {
    let total: Vec<u64> = (0..chart.categories.len())
        .map(|i| chart.series.iter().map(|(_, v)| v[i]).sum())
        .collect();
    let max = total.iter().copied().max().unwrap_or(0).max(1);
    let mut bars = String::new();
    let w = 800.0 / chart.categories.len().max(1) as f64;
    for (i, t) in total.iter().enumerate() {
        let h = *t as f64 / max as f64 * 300.0;
        bars.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#2b6cb0\"/>",
            i as f64 * w,
            320.0 - h,
            w * 0.8
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 340\" role=\"img\" aria-label=\"{}\">{bars}</svg>",
        askama::filters::escape(&chart.title, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default()
    )
}
