//! Prometheus metrics, hand-rolled: request counters by route, method and status, and a
//! latency histogram by route, in the text exposition format (version 0.0.4).
//!
//! The route label is the route's template (`/v1/orders/{id}/release`), never the raw path,
//! so the label set stays bounded; requests that match no route count as `unmatched`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The registry.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Records one request.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        *inner
            .requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_insert(0) += 1;
        let seconds = elapsed.as_secs_f64();
        let histogram = match inner.latency.get_mut(route) {
            Some(h) => h,
            None => inner.latency.entry(route.to_owned()).or_default(),
        };
        histogram.count += 1;
        histogram.sum += seconds;
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP chipgate_build_info chipgate version.");
        let _ = writeln!(out, "# TYPE chipgate_build_info gauge");
        let _ = writeln!(
            out,
            "chipgate_build_info{{version=\"{}\"}} 1",
            chipgate_engine::ENGINE_VERSION
        );
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        let _ = writeln!(
            out,
            "# HELP chipgate_http_requests_total HTTP requests by route, method and status."
        );
        let _ = writeln!(out, "# TYPE chipgate_http_requests_total counter");
        for ((route, method, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "chipgate_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                escape(route),
                escape(method)
            );
        }
        let _ = writeln!(
            out,
            "# HELP chipgate_http_request_duration_seconds Time to the response head, by route."
        );
        let _ = writeln!(out, "# TYPE chipgate_http_request_duration_seconds histogram");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "chipgate_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "chipgate_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "chipgate_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "chipgate_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("/v1/decide", "POST", 200, Duration::from_micros(700));
        m.record("/v1/decide", "POST", 200, Duration::from_millis(20));
        m.record("/v1/decide", "POST", 422, Duration::from_micros(100));
        let text = m.render();
        assert!(text.contains("chipgate_http_requests_total{route=\"/v1/decide\",method=\"POST\",status=\"200\"} 2"));
        assert!(text.contains("chipgate_http_requests_total{route=\"/v1/decide\",method=\"POST\",status=\"422\"} 1"));
        assert!(text.contains("chipgate_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"0.0005\"} 1"));
        assert!(text.contains("chipgate_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"0.001\"} 2"));
        assert!(text.contains("chipgate_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"+Inf\"} 3"));
        assert!(text.contains("chipgate_http_request_duration_seconds_count{route=\"/v1/decide\"} 3"));
    }
}
