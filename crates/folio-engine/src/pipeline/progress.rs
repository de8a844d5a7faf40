//! The engine's progress model (folio_model::Progress), kept as work is planned and finished.
//! Counts are in photos: a site counts a photo once its step for that site is over; an album
//! counts it once every site's step is. Totals grow while work is in hand and start again from
//! zero after the album or site was idle, so a bar never runs backwards mid-batch.

use folio_model::{
    AlbumId, AlbumProgress, AssetId, Progress, SiteId, SiteProgress, SiteState, Work,
};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rate is measured over this much recent history.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// How a step ended, as far as progress is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Done,
    Failed,
    /// Left for a retry or a paused site.
    Waiting,
}

#[derive(Default)]
struct Counter {
    work: Work,
    finished_at: VecDeque<Instant>,
}

impl Counter {
    fn plan(&mut self, n: u32) {
        if self.work.is_idle() {
            self.work = Work::default();
            self.finished_at.clear();
        }
        self.work.total += n;
    }

    fn end(&mut self, ended: Ended, now: Instant) {
        match ended {
            Ended::Done => self.work.done += 1,
            Ended::Failed => self.work.failed += 1,
            Ended::Waiting => self.work.waiting += 1,
        }
        if ended != Ended::Waiting {
            self.finished_at.push_back(now);
        }
        if self.work.is_idle() {
            self.work.current = None;
        }
    }

    fn snapshot(&mut self, now: Instant) -> Work {
        while self.finished_at.front().is_some_and(|t| now.duration_since(*t) > RATE_WINDOW) {
            self.finished_at.pop_front();
        }
        let mut work = self.work.clone();
        if let (Some(first), n) = (self.finished_at.front(), self.finished_at.len()) {
            // At least a few seconds of history, so one quick photo does not promise 600/min.
            let span = now.duration_since(*first).max(Duration::from_secs(5));
            work.per_minute = n as f32 * 60.0 / span.as_secs_f32();
        }
        let left = work.remaining();
        work.eta_secs = (left > 0 && work.per_minute > 0.0)
            .then(|| (left as f32 * 60.0 / work.per_minute).ceil() as u32);
        work
    }
}

#[derive(Default)]
struct State {
    albums: HashMap<AlbumId, Counter>,
    sites: HashMap<SiteId, (Counter, SiteState)>,
    /// Sites still to finish each photo of a pass.
    open_photos: HashMap<(AlbumId, AssetId), (u32, bool)>,
}

#[derive(Default)]
pub struct Tracker {
    state: Mutex<State>,
    /// Something changed since the last snapshot was sent.
    changed: AtomicBool,
    /// Wakes whoever sends snapshots, so an idle engine does not wake up to find nothing new.
    pub wake: tokio::sync::Notify,
}

/// One planned step's place in the counts. Ended by the worker that ran it; a step that never
/// runs (its queue was stopped) ends as waiting when the ticket is dropped, so no count is left
/// open.
pub struct Ticket {
    tracker: Arc<Tracker>,
    album: AlbumId,
    asset: AssetId,
    site: SiteId,
    ended: bool,
}

impl Ticket {
    pub fn end(mut self, ended: Ended) {
        self.ended = true;
        self.tracker.ended(self.album, self.asset, self.site, ended);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.ended {
            self.tracker.ended(self.album, self.asset, self.site, Ended::Waiting);
        }
    }
}

impl Tracker {
    fn touch(&self) {
        self.changed.store(true, Ordering::Relaxed);
        // A permit is kept when nobody waits, so no change is missed.
        self.wake.notify_one();
    }

    /// Whether anything changed since the last call.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::Relaxed)
    }

    /// A pass planned `steps`: (asset, site) pairs of one album. One ticket per step, in order.
    pub fn planned(self: &Arc<Self>, album: AlbumId, steps: &[(AssetId, SiteId)]) -> Vec<Ticket> {
        self.count(album, steps);
        steps
            .iter()
            .map(|(asset, site)| Ticket {
                tracker: self.clone(),
                album,
                asset: *asset,
                site: *site,
                ended: false,
            })
            .collect()
    }

    fn count(&self, album: AlbumId, steps: &[(AssetId, SiteId)]) {
        self.touch();
        let mut s = self.state.lock().expect("progress lock");
        let mut photos: HashMap<AssetId, u32> = HashMap::new();
        for (asset, site) in steps {
            *photos.entry(*asset).or_default() += 1;
            s.sites.entry(*site).or_default().0.plan(1);
        }
        let new = photos.iter().filter(|(a, _)| !s.open_photos.contains_key(&(album, **a))).count();
        s.albums.entry(album).or_default().plan(new as u32);
        for (asset, n) in photos {
            s.open_photos.entry((album, asset)).or_insert((0, false)).0 += n;
        }
    }

    pub fn started(&self, album: AlbumId, site: SiteId, path: &str) {
        self.touch();
        let mut s = self.state.lock().expect("progress lock");
        s.albums.entry(album).or_default().work.current = Some(path.to_string());
        s.sites.entry(site).or_default().0.work.current = Some(path.to_string());
    }

    fn ended(&self, album: AlbumId, asset: AssetId, site: SiteId, ended: Ended) {
        self.touch();
        self.ended_at(album, asset, site, ended, Instant::now())
    }

    fn ended_at(&self, album: AlbumId, asset: AssetId, site: SiteId, ended: Ended, now: Instant) {
        let mut s = self.state.lock().expect("progress lock");
        s.sites.entry(site).or_default().0.end(ended, now);
        let key = (album, asset);
        let Some((left, failed)) = s.open_photos.get_mut(&key) else { return };
        *left = left.saturating_sub(1);
        *failed |= ended == Ended::Failed;
        let waiting = ended == Ended::Waiting;
        if *left == 0 {
            let photo = if *failed {
                Ended::Failed
            } else if waiting {
                Ended::Waiting
            } else {
                Ended::Done
            };
            s.open_photos.remove(&key);
            s.albums.entry(album).or_default().end(photo, now);
        }
    }

    pub fn site_state(&self, site: SiteId, state: SiteState) {
        self.touch();
        self.state.lock().expect("progress lock").sites.entry(site).or_default().1 = state;
    }

    pub fn snapshot(&self) -> Progress {
        self.snapshot_at(Instant::now())
    }

    fn snapshot_at(&self, now: Instant) -> Progress {
        let mut s = self.state.lock().expect("progress lock");
        let mut albums: Vec<AlbumProgress> = s
            .albums
            .iter_mut()
            .map(|(id, c)| AlbumProgress { album: *id, work: c.snapshot(now) })
            .collect();
        albums.sort_by_key(|a| a.album);
        let mut sites: Vec<SiteProgress> = s
            .sites
            .iter_mut()
            .map(|(id, (c, state))| SiteProgress {
                site: *id,
                state: *state,
                work: c.snapshot(now),
            })
            .collect();
        sites.sort_by_key(|s| s.site);
        Progress { albums, sites }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: AlbumId = AlbumId(1);
    const FAST: SiteId = SiteId(1);
    const SLOW: SiteId = SiteId(2);

    #[test]
    fn a_photo_is_done_for_the_album_when_every_site_has_it() {
        let t = Arc::new(Tracker::default());
        let steps: Vec<_> =
            (1..=4).flat_map(|a| [(AssetId(a), FAST), (AssetId(a), SLOW)]).collect();
        let _tickets = t.planned(A, &steps);
        let start = Instant::now();
        for a in 1..=4 {
            t.ended_at(A, AssetId(a), FAST, Ended::Done, start + Duration::from_secs(a as u64));
        }
        let p = t.snapshot_at(start + Duration::from_secs(10));
        assert_eq!(p.site(FAST).unwrap().work.done, 4);
        assert!(p.site(FAST).unwrap().work.is_idle());
        assert_eq!(p.album(A).unwrap().work.done, 0, "the slow site has none yet");
        assert_eq!(p.site(SLOW).unwrap().work.remaining(), 4);

        t.ended_at(A, AssetId(1), SLOW, Ended::Done, start + Duration::from_secs(11));
        t.ended_at(A, AssetId(2), SLOW, Ended::Failed, start + Duration::from_secs(12));
        let p = t.snapshot_at(start + Duration::from_secs(12));
        let album = &p.album(A).unwrap().work;
        assert_eq!((album.total, album.done, album.failed), (4, 1, 1));
        assert!(album.per_minute > 0.0 && album.eta_secs.is_some(), "{album:?}");
    }

    #[test]
    fn totals_restart_after_idle_but_grow_while_busy() {
        let t = Arc::new(Tracker::default());
        let first = t.planned(A, &[(AssetId(1), FAST)]);
        let second = t.planned(A, &[(AssetId(2), FAST)]);
        assert_eq!(t.snapshot().site(FAST).unwrap().work.total, 2, "busy: added to");
        first.into_iter().for_each(|ticket| ticket.end(Ended::Done));
        // A step that never ran (its queue stopped) counts as waiting, not as still to do.
        drop(second);
        let w = t.snapshot().site(FAST).unwrap().work.clone();
        assert_eq!((w.done, w.waiting, w.remaining()), (1, 1, 0));
        let _third = t.planned(A, &[(AssetId(3), FAST)]);
        let w = t.snapshot().site(FAST).unwrap().work.clone();
        assert_eq!((w.total, w.done, w.waiting), (1, 0, 0), "idle: started again");
    }
}
