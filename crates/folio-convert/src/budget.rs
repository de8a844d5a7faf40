//! One memory budget for every conversion running at once. A conversion says what its peak
//! will be (from the probe: format, size, and the size it is made at) before it decodes; it
//! starts when that fits beside the others, and a photo whose peak passes the whole budget is
//! refused with the reason. A raw that must be developed at full size after all asks again.

use crate::decode::Probe;
use crate::jpeg::scale_for;
use crate::sniff::SourceFormat;
use std::sync::{Arc, Condvar, Mutex};

const MB: u64 = 1 << 20;
/// The budget never exceeds this, whatever the machine.
pub const MAX_BUDGET: u64 = 2 << 30;
/// Nor goes under this: a 24 MP photo must always fit.
const MIN_BUDGET: u64 = 512 * MB;

/// Bytes a pixel of a full rawler develop takes at its peak (measured: 800 MB for 24 MP,
/// `make bench-convert`); the half-size develop (one RGB pixel per 2×2 block), about a third.
pub const FULL_DEVELOP_PER_PIXEL: u64 = 34;
pub const HALF_DEVELOP_PER_PIXEL: u64 = 10;

/// A conversion's peak was refused: it passes the whole budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub wanted: u64,
    pub budget: u64,
}

impl Refused {
    pub fn describe(&self) -> String {
        format!(
            "too large: converting it needs about {} MB, over Folio's memory budget of {} MB",
            self.wanted.div_ceil(MB),
            self.budget / MB
        )
    }
}

/// How a conversion asks for memory: `admit(peak)` with its whole peak so far (it may ask again
/// with a larger one). In a decoder process the answer comes from the app's budget.
pub trait Admission {
    fn admit(&mut self, peak: u64) -> Result<(), Refused>;
}

/// For a single conversion on its own (`folio convert` in-process, tests): only the limit.
pub struct Alone(pub u64);

impl Admission for Alone {
    fn admit(&mut self, peak: u64) -> Result<(), Refused> {
        if peak > self.0 {
            return Err(Refused { wanted: peak, budget: self.0 });
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

impl MemoryBudget {
    pub fn new(total: u64) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget { total, used: Mutex::new(0), freed: Condvar::new() })
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn in_use(&self) -> u64 {
        *self.used.lock().expect("budget")
    }

    /// Waits until `bytes` fit beside the conversions under way; refuses at once what can never
    /// fit.
    pub fn reserve(self: &Arc<Self>, bytes: u64) -> Result<Reservation, Refused> {
        if bytes > self.total {
            return Err(Refused { wanted: bytes, budget: self.total });
        }
        let mut used = self.used.lock().expect("budget");
        while *used + bytes > self.total {
            used = self.freed.wait(used).expect("budget");
        }
        *used += bytes;
        Ok(Reservation { budget: self.clone(), bytes })
    }
}

/// Memory held for one conversion until it is dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    bytes: u64,
}

impl Reservation {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Raises this conversion's share to `peak`. What it holds is given back first, so that two
    /// growing conversions can never wait on each other.
    pub fn grow(&mut self, peak: u64) -> Result<(), Refused> {
        if peak <= self.bytes {
            return Ok(());
        }
        self.release();
        let mut more = self.budget.reserve(peak)?;
        self.bytes = std::mem::take(&mut more.bytes);
        Ok(())
    }

    fn release(&mut self) {
        let mut used = self.budget.used.lock().expect("budget");
        *used -= std::mem::take(&mut self.bytes);
        self.budget.freed.notify_all();
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.release();
        }
    }
}

/// A conversion's admission against a shared budget; holds what it was given until dropped.
pub struct Shared {
    budget: Arc<MemoryBudget>,
    held: Option<Reservation>,
}

impl Shared {
    pub fn new(budget: Arc<MemoryBudget>) -> Shared {
        Shared { budget, held: None }
    }
}

impl Admission for Shared {
    fn admit(&mut self, peak: u64) -> Result<(), Refused> {
        match &mut self.held {
            Some(r) => r.grow(peak),
            None => {
                self.held = Some(self.budget.reserve(peak)?);
                Ok(())
            }
        }
    }
}

/// The peak memory of making a `edge`-pixel rendition (or thumbnail) of this photo, from its
/// probe: the decoded image at the size its decoder produces, plus the resized, turned and
/// encoded copies at the output size, plus a fixed allowance for codec state.
pub fn peak(p: &Probe, edge: u32) -> u64 {
    let (w, h) = (u64::from(p.width), u64::from(p.height));
    let px = w * h;
    let (ow, oh) = crate::resize::fitted(p.width, p.height, edge);
    let output = u64::from(ow) * u64::from(oh) * 16;
    let decoded = match p.format {
        SourceFormat::Jpeg => {
            let d = scale_for(p.width.max(p.height), ow.max(oh)) as u64;
            w.div_ceil(d) * h.div_ceil(d) * 4
        }
        // Up to 16-bit RGBA from the decoder, and the 8-bit copy made from it.
        SourceFormat::Png | SourceFormat::Tiff => px * 12,
        SourceFormat::Webp | SourceFormat::Gif => px * 8,
        // libheif's planes, its RGB image, and Folio's copy.
        SourceFormat::Heif | SourceFormat::Avif => px * 10,
        SourceFormat::Raw if w.max(h) >= 2 * u64::from(ow.max(oh)) => px * HALF_DEVELOP_PER_PIXEL,
        SourceFormat::Raw => px * FULL_DEVELOP_PER_PIXEL,
    };
    decoded + output + 32 * MB
}

/// The budget for this machine: a quarter of its memory, at most [`MAX_BUDGET`], and at most
/// half of this process's address-space limit when one is set.
pub fn for_this_machine() -> u64 {
    let quarter = total_memory().map_or(MAX_BUDGET, |m| m / 4);
    let mut budget = quarter.clamp(MIN_BUDGET, MAX_BUDGET);
    if let Some(limit) = address_space_limit() {
        budget = budget.min(limit / 2);
    }
    budget
}

#[cfg(target_os = "linux")]
fn total_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(target_os = "macos")]
fn total_memory() -> Option<u64> {
    let mut bytes: u64 = 0;
    let mut len = std::mem::size_of::<u64>();
    // SAFETY: hw.memsize is a u64; the buffer and its length match.
    let rc = unsafe {
        libc::sysctlbyname(
            c"hw.memsize".as_ptr(),
            (&mut bytes as *mut u64).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0).then_some(bytes)
}

#[cfg(windows)]
fn total_memory() -> Option<u64> {
    use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
    // SAFETY: the struct is zeroed and its length set, as the API requires.
    unsafe {
        let mut status: MEMORYSTATUSEX = std::mem::zeroed();
        status.dwLength = std::mem::size_of::<MEMORYSTATUSEX>() as u32;
        (GlobalMemoryStatusEx(&mut status) != 0).then_some(status.ullTotalPhys)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn total_memory() -> Option<u64> {
    None
}

#[cfg(unix)]
pub fn address_space_limit() -> Option<u64> {
    let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the struct it is given.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut l) };
    // rlim_t is u64 on the systems Folio ships for, narrower on some others.
    #[allow(clippy::unnecessary_cast)]
    (rc == 0 && l.rlim_cur != libc::RLIM_INFINITY).then_some(l.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn address_space_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn conversions_wait_for_room_and_the_oversized_are_refused() {
        let budget = MemoryBudget::new(100);
        let a = budget.reserve(60).unwrap();
        assert_eq!(budget.reserve(101).unwrap_err(), Refused { wanted: 101, budget: 100 });
        let b2 = budget.clone();
        let waiting = std::thread::spawn(move || b2.reserve(60).map(|r| r.bytes()));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!waiting.is_finished(), "60 + 60 does not fit in 100");
        drop(a);
        assert_eq!(waiting.join().unwrap(), Ok(60));
        assert_eq!(budget.in_use(), 0, "released on drop");
    }

    #[test]
    fn a_growing_conversion_gives_back_before_it_waits() {
        let budget = MemoryBudget::new(100);
        let mut a = budget.reserve(50).unwrap();
        let mut b = budget.reserve(50).unwrap();
        let t = std::thread::spawn(move || {
            a.grow(90).unwrap();
            a.bytes()
        });
        std::thread::sleep(Duration::from_millis(50));
        // Both want to grow: neither may deadlock holding its 50.
        assert!(b.grow(101).is_err());
        drop(b);
        assert_eq!(t.join().unwrap(), 90);
    }

    #[test]
    fn the_machines_budget_is_bounded() {
        let b = for_this_machine();
        assert!((MIN_BUDGET.min(address_space_limit().unwrap_or(u64::MAX) / 2)..=MAX_BUDGET)
            .contains(&b));
    }
}
