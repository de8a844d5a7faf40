"""What the benchmarks share: the `folio` binary, sample photos made from the shared set, and
fake media endpoints on 127.0.0.1 (instant, slow, counting), so that figures measure Folio's side.
Python's standard library only: the benchmarks run on a fresh machine after `scripts/setup.sh bench`.
"""
import http.server, json, os, shutil, struct, subprocess, threading, time, urllib.error, urllib.parse
import urllib.request, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/folio-target"))
# FOLIO_BENCH_BIN runs another build (an earlier commit's, for a before-and-after).
FOLIO = os.environ.get("FOLIO_BENCH_BIN", os.path.join(TARGET, "release", "folio"))
PHOTOS = os.environ.get("FOLIO_SAMPLE_PHOTOS", os.path.join(ROOT, "..", "shared", "photos"))
# The sample photos at 2640 px, made once and kept across runs (and across benchmarks).
BASE = os.path.join(ROOT, "bench-out", "sync", "base")


def run(*args, env=None, check=True):
    return subprocess.run(args, env=env, check=check, capture_output=True, text=True)


def folio_env(data):
    env = dict(os.environ, FOLIO_SECRETS="file", FOLIO_DATA_DIR=data)
    return env


def make_bases():
    """The sample photos at 2640 px in BASE (as 0.v, 1.v, …), made once; their names."""
    bases = sorted(f for f in os.listdir(os.path.join(PHOTOS, "large")) if f.endswith(".jpg"))
    os.makedirs(BASE, exist_ok=True)
    for i, b in enumerate(bases):
        if not os.path.exists(f"{BASE}/{i}.v"):
            run("vips", "thumbnail", os.path.join(PHOTOS, "large", b), f"{BASE}/{i}.v", "2640", "--size", "both")
    return bases


def make_photos(src, n, tag):
    """`n` distinct 2560 px JPEGs (crops of the sample photos) in `src`."""
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    bases = make_bases()
    tmp = BASE
    for i in range(n):
        base = f"{tmp}/{i % len(bases)}.v"
        w = int(run("vipsheader", "-f", "width", base).stdout)
        h = int(run("vipsheader", "-f", "height", base).stdout)
        cw, ch = (2560, min(h, 2560) - 80) if w >= h else (min(w, 2560) - 80, 2560)
        run("vips", "crop", base, f"{src}/{tag}-{i:03}.jpg[Q=90]", str(i % 60), str(i // 60 * 7), str(cw), str(ch))


class FakeMedia(http.server.BaseHTTPRequestHandler):
    """Just enough of /wp/v2 for an instant upload: the figures then measure Folio alone."""
    counter = 0

    def log_message(self, *a):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/wp-json/wp/v2/users/me"):
            return self.reply(200, {"slug": "bench", "capabilities": {"upload_files": True}})
        if self.path.startswith("/wp-json/wp/v2/media"):
            return self.reply(200, [])
        return self.reply(200, {"namespaces": ["wp/v2"]})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if "avif" in self.headers.get("Content-Type", ""):
            return self.reply(500, {"code": "rest_upload_sideload_error", "message": "no avif"})
        FakeMedia.counter += 1
        n = FakeMedia.counter
        slug = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("slug", [f"m{n}"])[0]
        return self.reply(201, {"id": n, "slug": slug, "source_url": f"http://fake/{n}.webp", "mime_type": "image/webp",
                                "title": {"raw": "", "rendered": ""}, "alt_text": "", "media_details": {}})


def tiny_png(path, i):
    """An 8×8 PNG whose pixels are `i`'s own."""
    # Distinct up to 2**20 photos; the blue channel's `i >> 16` keeps smaller sets' bytes as they were.
    raw = b"".join(b"\0" + bytes([(i + x + y) % 256, (i >> 8) % 256, y * 16 + (i >> 16) % 16] * 8)
                   for y in range(8) for x in range(1))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def media_server():
    """A fake media endpoint of its own, counting its uploads."""
    class Server(FakeMedia):
        uploads = 0

        def do_POST(self):
            if "avif" not in self.headers.get("Content-Type", ""):
                type(self).uploads += 1
            return FakeMedia.do_POST(self)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, Server


def delaying_proxy(upstream, delay, log=None):
    """Forwards every request to `upstream` after `delay` seconds: a slow site. With `log` (a
    list), each request is appended to it as (start, end, method, path) in time.monotonic()
    seconds, from its arrival here until its answer is sent: the site's share of a sync.
    `busy` (requests in progress) and `idle_since` on the returned server tell when the site
    was last asked anything."""
    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def forward(self):
            start = time.monotonic()
            with lock:
                server.busy += 1
            try:
                self.relay(start)
            finally:
                with lock:
                    server.busy -= 1
                    server.idle_since = time.monotonic()

        def relay(self, start):
            time.sleep(delay)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            req = urllib.request.Request(upstream + self.path, data=body if body else None, headers=headers,
                                         method=self.command)
            try:
                with urllib.request.urlopen(req) as r:
                    code, data, answer = r.status, r.read(), r.headers
            except urllib.error.HTTPError as e:
                code, data, answer = e.code, e.read(), e.headers
            self.send_response(code)
            for k, v in answer.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if log is not None:
                log.append((start, time.monotonic(), self.command, self.path))

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = forward
    lock = threading.Lock()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.busy, server.idle_since = 0, time.monotonic()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
