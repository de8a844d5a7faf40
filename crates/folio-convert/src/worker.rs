//! The decoder process: Folio's binaries start themselves with [`WORKER_ARG`] and hand photos
//! to that child, so that a codec that crashes or runs out of memory (libheif, rawler, any
//! decoder) ends the child, never the app or the CLI. The child limits its own address space to
//! what Folio's memory budget allows, so an allocation a file provokes fails there.

use crate::budget::{Admission, Refused};
use crate::protocol::{self, Answer, Message, Request};
use crate::{convert_admitted, probe_file, read_source, thumbnail_admitted, Failure};
use std::io::{BufReader, BufWriter, Read, Write};

/// The first argument that makes a Folio binary a decoder process.
pub const WORKER_ARG: &str = "--folio-decode-worker";
/// The address space, in bytes, the decoder process allows itself.
pub const MEMORY_ENV: &str = "FOLIO_DECODER_MEMORY";

/// Call first thing in `main`: when this process was started as a decoder, it serves requests
/// until its input closes, then exits; otherwise it returns at once.
pub fn serve_if_asked() {
    if std::env::args_os().nth(1).is_some_and(|a| a == WORKER_ARG) {
        std::process::exit(serve());
    }
}

/// Serves requests on stdin and stdout until stdin closes; the process's exit code.
pub fn serve() -> i32 {
    if let Some(limit) = std::env::var(MEMORY_ENV).ok().and_then(|v| v.parse().ok()) {
        limit_address_space(limit);
    }
    let output = protocol_output();
    let mut output = BufWriter::new(output);
    let mut input = BufReader::new(std::io::stdin().lock());
    let ready = Message::Ready { version: protocol::VERSION };
    let started = output.write_all(protocol::START).and_then(|()| output.flush());
    if started.is_err() || protocol::write(&mut output, &ready, &[]).is_err() {
        return 1;
    }
    loop {
        let Ok((request, path)) = protocol::read::<Request>(&mut input) else { return 0 };
        let path = protocol::path_from(path);
        let mut remote = Remote { input: &mut input, output: &mut output };
        let (answer, payload) = answer(request, &path, &mut remote);
        if protocol::write(&mut output, &answer, &payload).is_err() {
            return 1;
        }
    }
}

fn answer(request: Request, path: &std::path::Path, remote: &mut Remote) -> (Message, Vec<u8>) {
    let message = |e: crate::ConvertError| Failure::new(e.kind, e.message);
    // Decoders already turn their panics into errors; this catches Folio's own.
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match request {
        Request::Probe => (Message::Probed(probe_file(path).map_err(message)), Vec::new()),
        Request::Convert { preset } => {
            let made = read_source(path)
                .map_err(message)
                .and_then(|bytes| convert_admitted(&bytes, &preset, remote));
            match made {
                Ok(r) => {
                    let (head, bytes) = protocol::RenditionHead::of(r);
                    (Message::Converted(Ok(head)), bytes)
                }
                Err(e) => (Message::Converted(Err(e)), Vec::new()),
            }
        }
        Request::Thumbnail { edge } => {
            let made = read_source(path)
                .map_err(message)
                .and_then(|bytes| thumbnail_admitted(&bytes, edge, remote));
            match made {
                Ok(mut t) => {
                    let bytes = std::mem::take(&mut t.bytes);
                    (Message::Thumbnailed(Ok(t)), bytes)
                }
                Err(e) => (Message::Thumbnailed(Err(e)), Vec::new()),
            }
        }
    }));
    done.unwrap_or_else(|_| {
        let f = Failure::corrupt("the decoder failed on this file's data");
        (Message::Probed(Err(f)), Vec::new())
    })
}

/// Admission asked of the app, whose budget spans every decoder process.
struct Remote<'a> {
    input: &'a mut dyn Read,
    output: &'a mut dyn Write,
}

impl Admission for Remote<'_> {
    fn admit(&mut self, peak: u64) -> Result<(), Refused> {
        let no = Refused { wanted: peak, budget: 0 };
        protocol::write(self.output, &Message::Reserve { peak }, &[]).map_err(|_| no)?;
        match protocol::read::<Answer>(self.input) {
            Ok((Answer::Go, _)) => Ok(()),
            Ok((Answer::Refused { wanted, budget }, _)) => Err(Refused { wanted, budget }),
            Err(_) => Err(no),
        }
    }
}

/// The protocol's own copy of stdout; stdout itself then goes to stderr, so that a library that
/// prints cannot corrupt a frame.
#[cfg(unix)]
fn protocol_output() -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: fd 1 and 2 are open for the process's life; `dup` gives a new descriptor that
    // the File then owns alone.
    unsafe {
        let fd = libc::dup(1);
        if fd >= 0 {
            libc::dup2(2, 1);
            return std::fs::File::from_raw_fd(fd);
        }
        std::fs::File::from_raw_fd(1)
    }
}

#[cfg(not(unix))]
fn protocol_output() -> std::io::Stdout {
    std::io::stdout()
}

#[cfg(unix)]
fn limit_address_space(bytes: u64) {
    let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain calls on a struct this function owns.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_AS, &mut l) == 0 {
            l.rlim_cur = (bytes as libc::rlim_t).min(l.rlim_max);
            libc::setrlimit(libc::RLIMIT_AS, &l);
        }
    }
}

/// Windows and other systems: the process is still separate, so a crash ends only it; its
/// memory is bounded by the budget's admission alone.
#[cfg(not(unix))]
fn limit_address_space(_bytes: u64) {}
