#!/usr/bin/env python3
"""make bench-scale: Folio at agency scale, figures printed next to their goals. Not a test.

1. One album of 200 photos (2560 px JPEGs) to 100 sites at once: 98 fast, one slow (behind a
   delaying proxy) and one failing (every upload answered with HTTP 500 once the sync starts),
   each a fake media endpoint on 127.0.0.1, in one `folio sync --json`. Conversions, the peak
   RSS and open file descriptors of the folio process tree (the process and its decoder
   children), and the time until the 98 fast sites have every photo next to a one-site sync of
   the same album.
2. A 100,000-photo album (tiny PNGs) on one fake site: the first sync (not a goal), then
   `folio status --json`, the album grid's first page (the engine call the app's grid makes,
   through crates/folio-engine/examples/grid_page.rs) and a re-sync of nothing changed.
3. A closing table: figure, goal, measured, met or missed.

The fake endpoints answer at once, so the figures are Folio's side; they run in this process,
whose own CPU time is printed too (on 2 cores it competes with Folio). `bench_scale.py sites` or
`bench_scale.py album` runs one part.
"""
import http.server, json, os, resource, shutil, statistics, subprocess, sys, threading, time, types
import urllib.parse

from bench_common import (FOLIO, ROOT, TARGET, FakeMedia, delaying_proxy, folio_env, make_photos, run,
                          tiny_png)

WORK = os.path.join(ROOT, "bench-out", "scale")
GRID_PAGE = os.path.join(TARGET, "release", "examples", "grid_page")
SAMPLE_EVERY = 0.05
MB = 1024 * 1024


class Site(FakeMedia):
    """A fake media endpoint that counts the distinct photos it holds (by slug), answers over
    keep-alive connections as WordPress behind nginx does, and can be told to fail every upload."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        kind = type(self)
        if "avif" in self.headers.get("Content-Type", ""):
            return self.reply(500, {"code": "rest_upload_sideload_error", "message": "no avif"})
        if kind.failing:
            return self.reply(500, {"code": "internal_server_error", "message": "the site is broken"})
        with kind.lock:
            kind.next_id += 1
            n = kind.next_id
        route = urllib.parse.urlparse(self.path).path
        slug = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("slug", [f"m{n}"])[0]
        media = {"id": n, "slug": slug, "source_url": f"http://fake/{n}.webp", "mime_type": "image/webp",
                 "title": {"raw": "", "rendered": ""}, "alt_text": "", "media_details": {}}
        if route.rstrip("/") != "/wp-json/wp/v2/media":
            return self.reply(200, media)  # fields of an existing photo
        kind.slugs.add(slug)
        kind.arrivals.append((time.monotonic(), slug))
        return self.reply(201, media)


def site(port=0):
    """A started fake site and its handler class (whose `slugs` and `failing` are its own)."""
    kind = type("Site", (Site,), {"slugs": set(), "arrivals": [], "failing": False, "lock": threading.Lock(),
                                  "next_id": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), kind)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, kind


class Tree:
    """Peak memory and descriptors of a process and its descendants (Folio's decoder children),
    sampled from /proc. The parent's VmHWM is its true peak even between samples; the tree's is
    the largest sum of VmRSS seen."""

    def __init__(self, pid):
        self.pid = pid
        self.rss = self.parent_hwm = self.fds = self.parent_fds = self.children = self.threads = 0
        self.samples = 0

    def members(self):
        kids = {}
        for name in os.listdir("/proc"):
            # Descendants start after the process (pids wrapping round mid-run aside): reading
            # only their stat keeps a sample cheap on a busy machine.
            if name.isdigit() and int(name) > self.pid:
                try:
                    with open(f"/proc/{name}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                kids.setdefault(ppid, []).append(int(name))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += kids.get(p, [])
        return out

    def sample(self):
        rss = fds = 0
        members = self.members()
        for p in members:
            try:
                with open(f"/proc/{p}/status") as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                n = len(os.listdir(f"/proc/{p}/fd"))
            except OSError:
                continue  # ended between the listing and the read
            rss += int(status.get("VmRSS", "0 kB").split()[0]) * 1024
            fds += n
            if p == self.pid:
                self.parent_hwm = max(self.parent_hwm, int(status.get("VmHWM", "0 kB").split()[0]) * 1024)
                self.parent_fds = max(self.parent_fds, n)
                self.threads = max(self.threads, int(status.get("Threads", "0")))
        self.rss, self.fds = max(self.rss, rss), max(self.fds, fds)
        self.children = max(self.children, len(members) - 1)
        self.samples += 1

    def line(self):
        return (f"peak RSS {max(self.rss, self.parent_hwm) / MB:.0f} MB (process tree; the folio process alone "
                f"{self.parent_hwm / MB:.0f} MB), {self.children} child processes at most, "
                f"open fds {self.fds} (folio alone {self.parent_fds}), {self.threads} threads")


def cpu_seconds(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def sync(env, until=None):
    """`folio sync --json`, sampled every 50 ms. `until()` is checked on each sample. Returns the
    report, its exit status, when it started (monotonic), its wall seconds, the seconds until
    `until()` first held, the process tree's peaks, and the CPU seconds of folio and of this
    process (the fake sites)."""
    mine, theirs = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    proc = subprocess.Popen([FOLIO, "sync", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    tree = Tree(proc.pid)
    # Read in threads, so a full pipe never stalls folio while this loop samples.
    out = {}
    readers = [threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()), daemon=True)
               for k, s in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for r in readers:
        r.start()
    reached = None
    while proc.poll() is None:
        tree.sample()
        if reached is None and until is not None and until():
            reached = time.monotonic() - t
        time.sleep(SAMPLE_EVERY)
    took = time.monotonic() - t
    for r in readers:
        r.join()
    if reached is None and until is not None and until():
        reached = took
    try:
        report = json.loads(out["stdout"])
    except json.JSONDecodeError:
        raise SystemExit(f"folio sync printed no report (exit {proc.returncode}): {out['stderr'][-2000:]}")
    cpu = (cpu_seconds(resource.RUSAGE_CHILDREN) - theirs, cpu_seconds(resource.RUSAGE_SELF) - mine)
    return types.SimpleNamespace(report=report, status=proc.returncode, started=t, took=took, reached=reached,
                                 tree=tree, folio_cpu=cpu[0], fakes_cpu=cpu[1])


def add_site(env, name, url):
    run(FOLIO, "site", "add", name, "--wordpress", url, "--user", "bench", env=env)


def fresh(name):
    data = os.path.join(WORK, name)
    shutil.rmtree(data, ignore_errors=True)
    return data, dict(folio_env(data), FOLIO_APP_PASSWORD="x")


def photo_of(slug):
    """The photo (album and asset ids) in one of Folio's upload keys,
    `folio-<install>-<album>-<site>-<asset>-<version>-<preset>`: the same photo on every site."""
    parts = slug.split("-")
    return (parts[2], parts[4]) if len(parts) == 7 else slug


def fan_out(started, kinds):
    """When each photo first reached one of `kinds`, and when each of them had every photo."""
    first = {}
    for k in kinds:
        for at, slug in list(k.arrivals):
            photo = photo_of(slug)
            first[photo] = min(first.get(photo, at), at)
    done = sorted(max(at for at, _ in k.arrivals) - started for k in kinds if k.arrivals)
    return (max(first.values()) - started if first else float("nan")), done


def many_sites(results, n=200, fast_sites=98, slow_delay=2.0):
    src = os.path.join(WORK, "album-200")
    print(f"making {n} photos of 2560 px…", flush=True)
    make_photos(src, n, f"sc{int(time.time())}")

    one, one_kind = site()
    data, env = fresh("data-one-site")
    add_site(env, "only", f"http://127.0.0.1:{one.server_port}/")
    run(FOLIO, "album", "add", src, "--site", "only", env=env)
    single = sync(env)
    one.shutdown()

    fast = [site() for _ in range(fast_sites)]
    slow, slow_kind = site()
    proxy = delaying_proxy(f"http://127.0.0.1:{slow.server_port}", slow_delay)
    failing, failing_kind = site()
    data, env = fresh("data-100-sites")
    names = []
    for i, (s, _) in enumerate(fast):
        names.append(f"fast{i + 1:02}")
        add_site(env, names[-1], f"http://127.0.0.1:{s.server_port}/")
    add_site(env, "slow", f"http://127.0.0.1:{proxy.server_port}/")
    add_site(env, "failing", f"http://127.0.0.1:{failing.server_port}/")
    names += ["slow", "failing"]
    args = [FOLIO, "album", "add", src]
    for name in names:
        args += ["--site", name]
    run(*args, env=env)
    # Connected while it worked; it breaks now, as a host does mid-job.
    failing_kind.failing = True
    print(f"syncing {n} photos to {len(names)} sites…", flush=True)
    many = sync(env, lambda: all(len(k.slugs) >= n for _, k in fast))
    for s, _ in fast:
        s.shutdown()
    for s in (slow, proxy, failing):
        s.shutdown()
    report, tree = many.report, many.tree
    one_s = single.took
    fast_s = many.reached if many.reached is not None else float("inf")
    by_name = {s["name"]: s for s in report["sites"]}
    failing_state = by_name.get("failing", {}).get("state")
    complete = sum(len(k.slugs) >= n for _, k in fast)
    every_photo_s, done = fan_out(many.started, [k for _, k in fast])
    rss = max(tree.rss, tree.parent_hwm)

    print(f"\n1. one album of {n} photos of 2560 px to {len(names)} sites ({fast_sites} fast, one behind a "
          f"{slow_delay:.0f} s-per-request proxy, one answering every upload with HTTP 500):")
    print(f"  one site alone:                      {one_s:7.1f} s  ({single.report['uploaded']} uploaded, "
          f"{single.report['converted']} conversions; CPU folio {single.folio_cpu:.0f} s; {single.tree.line()})")
    print(f"  the {fast_sites} fast sites of {len(names)}:          {fast_s:7.1f} s  ({fast_s / one_s:.2f}x the one-site "
          f"time; goal <= 1.3x); {complete} of {fast_sites} have all {n}")
    if done:
        print(f"    every photo on at least one fast site after {every_photo_s:.1f} s; the fast sites complete "
              f"from {done[0]:.1f} s (first) to {done[-1]:.1f} s (last), median {statistics.median(done):.1f} s")
    print(f"  the whole sync:                      {many.took:7.1f} s  (slow site: {len(slow_kind.slugs)} photos)")
    print(f"  conversions: {report['converted']}  (goal {n}: one per photo and file type)")
    print(f"  {tree.line()}  (goal <= 400 MB)")
    print(f"  CPU: folio {many.folio_cpu:.0f} s over {many.took:.0f} s of wall time; the fake sites in this script "
          f"{many.fakes_cpu:.0f} s (one site alone: folio {single.folio_cpu:.0f} s, fakes {single.fakes_cpu:.0f} s)")
    print(f"  exit status {many.status}; {report['uploaded']} uploaded, {len(report['failed'])} failed, "
          f"{report.get('waiting', 0)} waiting")
    for name in ("slow", "failing"):
        s = by_name.get(name, {})
        print(f"  {name} site in the report: {s.get('state')} ({s.get('error')})")
    others = [s for s in report["sites"] if s["name"] not in ("slow", "failing") and s["state"] != "ok"]
    if others:
        print(f"  fast sites not ok: {', '.join(s['name'] + ' ' + s['state'] for s in others)}")
    results += [
        ("conversions, 200 photos to 100 sites", f"{n}", f"{report['converted']}", report["converted"] == n),
        ("peak RSS of the folio process tree", "<= 400 MB", f"{rss / MB:.0f} MB", rss <= 400 * MB),
        ("most open fds (tree)", "-", f"{tree.fds}", None),
        ("98 fast sites vs one site", "<= 1.3x", f"{fast_s / one_s:.2f}x ({fast_s:.0f} s / {one_s:.0f} s)",
         fast_s <= 1.3 * one_s),
        ("failing site at the end of the pass", "not ok", f"{failing_state}, "
         f"{len(report['failed'])} failed, {report.get('waiting', 0)} waiting", failing_state != "ok"),
        # README, `folio sync`: 1 when a photo failed or a site is paused.
        ("sync exit status, one site failing", "1 (README)", f"{many.status}", many.status == 1),
    ]


def tiny_album(src, n):
    """`n` distinct tiny PNGs in folders of 500, kept across runs (writing them takes a while)."""
    done = src + f".{n}.done"
    if os.path.exists(done):
        return
    shutil.rmtree(src, ignore_errors=True)
    for i in range(n):
        d = os.path.join(src, f"{i // 500:03}")
        if i % 500 == 0:
            os.makedirs(d)
        tiny_png(os.path.join(d, f"p{i:06}.png"), i)
    open(done, "w").close()


def timed(*args, env):
    t = time.monotonic()
    out = run(*args, env=env)
    return time.monotonic() - t, out.stdout


def big_album(results, n=100_000):
    src = os.path.join(WORK, "album-100k")
    print(f"\nwriting {n} tiny PNGs…", flush=True)
    t = time.monotonic()
    tiny_album(src, n)
    print(f"  ({time.monotonic() - t:.0f} s)", flush=True)
    data = os.path.join(WORK, "data-100k")
    synced = os.path.join(data, "first-sync.done")
    if "reuse" in sys.argv and os.path.exists(synced):
        # The first sync takes most of an hour: `bench_scale.py album reuse` measures the rest on
        # the data folder an earlier run left, with the fake site back on the port it had.
        env = dict(folio_env(data), FOLIO_APP_PASSWORD="x")
        sites = json.loads(run(FOLIO, "site", "list", "--json", env=env).stdout)
        port = urllib.parse.urlparse(sites[0]["url"]).port
        fake, kind = site(port)
        first = None
    else:
        fake, kind = site()
        data, env = fresh("data-100k")
        add_site(env, "fake", f"http://127.0.0.1:{fake.server_port}/")
        run(FOLIO, "album", "add", src, "--site", "fake", env=env)
        print(f"first sync of {n} photos (uploads every one; not a goal)…", flush=True)
        first = sync(env)
        open(synced, "w").close()

    status_s = []
    for _ in range(3):
        took, out = timed(FOLIO, "status", "--json", env=env)
        status_s.append(took)
    albums = json.loads(out)["albums"]
    grid = json.loads(run(GRID_PAGE, "--data-dir", data, src, env=env).stdout)
    grid_ms = grid["first_ms"] + grid["json_ms"]

    uploads_before = len(kind.slugs)
    again = sync(env)
    fake.shutdown()
    pushes = again.report["uploaded"] + again.report["replaced"]
    status_ms = statistics.median(status_s) * 1000

    print(f"\n2. an album of {n} tiny photos on one fake site:")
    if first is not None:
        print(f"  first sync: {first.took:.0f} s ({first.took / 60:.1f} min), {first.report['uploaded']} uploaded, "
              f"{first.report['converted']} conversions, {len(first.report['failed'])} failed, exit {first.status}; "
              f"CPU folio {first.folio_cpu:.0f} s, fake site {first.fakes_cpu:.0f} s")
        print(f"    {first.tree.line()}")
    print(f"  folio status --json: {status_ms:.0f} ms (median of 3: {', '.join(f'{s * 1000:.0f}' for s in status_s)} "
          f"ms; {albums[0]['photos']} photos, {albums[0]['synced']} synced)  (no goal)")
    print(f"  album grid's first page: {grid_ms:.0f} ms = album_photos_first {grid['first_ms']:.0f} ms "
          f"+ JSON {grid['json_ms']:.0f} ms ({grid['rows']} rows, {grid['json_bytes'] / 1024:.0f} KB); "
          f"engine open {grid['open_ms']:.0f} ms  (goal <= 200 ms)")
    print(f"    then the whole album: album_photos {grid['all_ms']:.0f} ms + JSON {grid['all_json_ms']:.0f} ms "
          f"({grid['all_json_bytes'] / MB:.1f} MB, {grid['all_rows']} rows); again {grid['again_ms']:.0f} ms")
    print(f"  re-sync of nothing changed: {again.took:.1f} s, {again.report['converted']} conversions, {pushes} "
          f"uploads, {again.report['unchanged']} unchanged, exit {again.status}  (goal <= 10 s, 0, 0); "
          f"{len(kind.slugs) - uploads_before} new photos on the site; CPU folio {again.folio_cpu:.1f} s")
    print(f"    {again.tree.line()}")
    if first is not None:
        results.append((f"first sync of {n} tiny photos", "-",
                        f"{first.took:.0f} s, {first.report['uploaded']} uploaded", None))
    results += [
        ("folio status --json (100k)", "-", f"{status_ms:.0f} ms", None),
        ("album grid's first page (100k)", "<= 200 ms", f"{grid_ms:.0f} ms", grid_ms <= 200),
        ("re-sync, nothing changed (100k)", "<= 10 s", f"{again.took:.1f} s", again.took <= 10),
        ("re-sync conversions and uploads", "0, 0", f"{again.report['converted']}, {pushes}",
         again.report["converted"] == 0 and pushes == 0),
    ]


def summary(results):
    print("\nsummary:")
    w = max(len(r[0]) for r in results)
    g = max(len(r[1]) for r in results)
    m = max(len(r[2]) for r in results)
    print(f"  {'figure':<{w}}  {'goal':<{g}}  {'measured':<{m}}  result")
    for figure, goal, measured, met in results:
        verdict = "-" if met is None else "met" if met else "MISSED"
        print(f"  {figure:<{w}}  {goal:<{g}}  {measured:<{m}}  {verdict}")


def main():
    os.makedirs(WORK, exist_ok=True)
    part = sys.argv[1:] or ["sites", "album"]
    results = []
    try:
        if "sites" in part:
            many_sites(results)
        if "album" in part:
            big_album(results)
    finally:
        if results:
            summary(results)


if __name__ == "__main__":
    main()
