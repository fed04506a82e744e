//! The standard process metrics (`process_cpu_seconds_total`, memory, file descriptors, start
//! time), read from `/proc/self` when a scrape asks: a few small reads, nothing in between.
//! Written as text beside the exporter's output, so the CPU counter is a real float counter.
//! Other systems report zeros.

use std::fmt::Write;

/// What `/proc` reports for this process.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Sample {
    cpu_seconds: f64,
    resident_bytes: f64,
    virtual_bytes: f64,
    open_fds: f64,
    max_fds: f64,
    start_time_seconds: f64,
}

/// Appends the process families to `out`.
pub(crate) fn render(out: &mut String) {
    let s = sample();
    let families: [(&str, &str, &str, f64); 6] = [
        (
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            s.cpu_seconds,
        ),
        (
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            s.resident_bytes,
        ),
        (
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            s.virtual_bytes,
        ),
        (
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            s.open_fds,
        ),
        (
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            s.max_fds,
        ),
        (
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            s.start_time_seconds,
        ),
    ];
    for (name, kind, help, value) in families {
        // Writing to a String does not fail.
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n"
        );
    }
}

#[cfg(target_os = "linux")]
fn sample() -> Sample {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let stat = parse_stat(&read("/proc/self/stat"));
    let status = read("/proc/self/status");
    let open_fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    // The start time never changes: read the boot time once.
    static START: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let start_time_seconds = *START.get_or_init(|| {
        boot_time(&read("/proc/stat")) + stat.map_or(0.0, |s| s.start_ticks / TICKS_PER_SECOND)
    });
    Sample {
        cpu_seconds: stat.map_or(0.0, |s| s.cpu_ticks / TICKS_PER_SECOND),
        resident_bytes: status_kib(&status, "VmRSS:") * 1024.0,
        virtual_bytes: status_kib(&status, "VmSize:") * 1024.0,
        open_fds: open_fds as f64,
        max_fds: max_open_files(&read("/proc/self/limits")),
        start_time_seconds,
    }
}

#[cfg(not(target_os = "linux"))]
fn sample() -> Sample {
    Sample::default()
}

/// `/proc` counts CPU time in USER_HZ ticks, 100 a second on every Linux the kernel exposes to
/// user space (`sysconf(_SC_CLK_TCK)`; reading it would need `unsafe`).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Stat {
    /// utime + stime.
    cpu_ticks: f64,
    /// Ticks after boot when the process started.
    start_ticks: f64,
}

/// Fields of `/proc/self/stat` after the command name (which may hold spaces and parentheses,
/// hence the last `)`): field 3 is the state, 14 utime, 15 stime, 22 starttime.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3.
    let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    Some(Stat {
        cpu_ticks: field(14)? + field(15)?,
        start_ticks: field(22)?,
    })
}

/// A `Vm…:   1234 kB` line of `/proc/self/status`, in KiB.
fn status_kib(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// `btime` of `/proc/stat`: the boot time, unix seconds.
fn boot_time(stat: &str) -> f64 {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The soft limit on the "Max open files" line of `/proc/self/limits`.
fn max_open_files(limits: &str) -> f64 {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_parsed() {
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 \
                    9 0 123456 1000 200 18446744073709551615";
        assert_eq!(
            parse_stat(stat),
            Some(Stat {
                cpu_ticks: 300.0,
                start_ticks: 123456.0
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        let status = "Name:\tx\nVmSize:\t  20480 kB\nVmRSS:\t   1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), 1024.0);
        assert_eq!(status_kib(status, "VmSize:"), 20480.0);
        assert_eq!(boot_time("cpu 1 2 3\nbtime 1700000000\n"), 1_700_000_000.0);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(max_open_files(limits), 1024.0);
    }

    #[test]
    fn families_are_typed() {
        let mut out = String::new();
        render(&mut out);
        assert!(out.contains("# TYPE process_cpu_seconds_total counter\n"));
        assert!(out.contains("# TYPE process_open_fds gauge\n"));
    }
}
