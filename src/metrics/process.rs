//! The standard process metrics of Prometheus clients (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, `process_open_fds`, …, named as the Go client's
//! process collector), read from `/proc` at each scrape. prometheus-client has no process
//! collector; reading four small files by hand is less than a dependency on `procfs`.
//! Elsewhere than on Linux nothing is reported.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Reports the process metrics at each scrape.
#[derive(Debug)]
pub struct ProcessCollector;

/// What `/proc` says about this process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessStats {
    /// User and system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub resident_bytes: u64,
    /// Virtual memory, in bytes.
    pub virtual_bytes: u64,
    /// Unix time of the start, in seconds.
    pub start_time: f64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// The soft limit of open file descriptors (`None` when unlimited).
    pub max_fds: Option<u64>,
}

impl ProcessStats {
    /// Reads this process's numbers; `None` where `/proc` cannot be read.
    pub fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
        let ticks = rustix::param::clock_ticks_per_second() as f64;
        let page = rustix::param::page_size() as u64;
        let mut stats = parse_stat(&stat, ticks, page)?;
        stats.start_time += boot_time(&boot)?;
        // One of the entries is the directory being read.
        stats.open_fds = open_fds.saturating_sub(1) as u64;
        stats.max_fds = open_files_limit(&limits);
        Some(stats)
    }
}

/// The fields of `/proc/self/stat` (proc(5)): after the parenthesised command name,
/// `utime` and `stime` (clock ticks) are the 12th and 13th, `starttime` (ticks after boot)
/// the 20th, `vsize` (bytes) the 21st and `rss` (pages) the 22nd. `start_time` is
/// relative to the boot.
fn parse_stat(stat: &str, ticks: f64, page: u64) -> Option<ProcessStats> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let number = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some(ProcessStats {
        cpu_seconds: (number(11)? + number(12)?) as f64 / ticks,
        start_time: number(19)? as f64 / ticks,
        virtual_bytes: number(20)?,
        resident_bytes: number(21)?.saturating_mul(page),
        open_fds: 0,
        max_fds: None,
    })
}

/// The `btime` line of `/proc/stat`: the boot time, unix seconds.
fn boot_time(stat: &str) -> Option<f64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|t| t as f64)
}

/// The soft limit in the `Max open files` line of `/proc/self/limits`.
fn open_files_limit(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = ProcessStats::read() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(stats.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            None,
            cpu.metric_type(),
        )?)?;
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                stats.resident_bytes as f64,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                stats.virtual_bytes as f64,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds",
                stats.start_time,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors",
                stats.open_fds as f64,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        if let Some(max) = stats.max_fds {
            let gauge = ConstGauge::new(max as f64);
            gauge.encode(encoder.encode_descriptor(
                "process_max_fds",
                "Maximum number of open file descriptors",
                None,
                gauge.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        // A command name with a space and a parenthesis, as proc(5) allows.
        let stat = "42 (irma (x)) S 1 42 42 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 9 0 1000 \
                    123456789 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let s = parse_stat(stat, 100.0, 4096).unwrap();
        assert_eq!(s.cpu_seconds, 3.0);
        assert_eq!(s.start_time, 10.0);
        assert_eq!(s.virtual_bytes, 123_456_789);
        assert_eq!(s.resident_bytes, 2000 * 4096);
        assert!(parse_stat("42 (irma) S 1", 100.0, 4096).is_none());
        assert_eq!(boot_time("cpu 1 2\nbtime 1700000000\n"), Some(1.7e9));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(open_files_limit(limits), Some(1024));
        assert_eq!(
            open_files_limit(
                "Max open files            unlimited            unlimited            files\n"
            ),
            None
        );
    }

    #[test]
    fn this_process_reads() {
        let s = ProcessStats::read().unwrap();
        assert!(s.resident_bytes > 0 && s.open_fds > 0);
        assert!(s.start_time > 1.6e9, "{s:?}");
    }
}
