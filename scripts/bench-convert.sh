#!/usr/bin/env bash
# Benchmarks `folio convert` against libvips and cwebp on 24 MP photos (and HEIC and RAW input
# against heif-convert and dcraw_emu), each tool running two
# workers on the machine's cores. Prints photos/s, output bytes, mean SSIM against a reference
# downscale, and peak memory. Not a test: it prints figures, it does not pass or fail.
#
#   scripts/bench-convert.sh [COPIES]   (each of the 3 sample photos is used COPIES times; default 4)
set -euo pipefail
cd "$(dirname "$0")/.."

copies=${1:-4}
photos=${FOLIO_SAMPLE_PHOTOS:-../shared/photos}/large
work=${BENCH_DIR:-$PWD/bench-out}
target=${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}
[ -d "$photos" ] || { echo "no sample photos at $photos (set FOLIO_SAMPLE_PHOTOS)"; exit 1; }

cargo build --release -q -p folio-cli -p folio-bench
folio=$target/release/folio
ssim=$target/release/folio-bench

rm -rf "$work"; mkdir -p "$work/src" "$work/ref" "$work/ref256"
echo "Making 24 MP sources (6000 px long edge) from $photos with libvips…"
for f in "$photos"/*.jpg; do
  name=$(basename "$f" .jpg)
  # Upright first, so tools that ignore EXIF orientation (cwebp) see the same picture.
  vips thumbnail "$f" "$work/$name-24mp.jpg[Q=92]" 6000 --size both
  # References: Lanczos3 from the full-resolution pixels, no shrink-on-load, lossless.
  w=$(vipsheader -f width "$work/$name-24mp.jpg"); h=$(vipsheader -f height "$work/$name-24mp.jpg")
  long=$(( w > h ? w : h ))
  vips resize "$work/$name-24mp.jpg" "$work/ref/$name.png" "$(echo "2560/$long" | bc -l)" --kernel lanczos3
  vips resize "$work/$name-24mp.jpg" "$work/ref256/$name.png" "$(echo "256/$long" | bc -l)" --kernel lanczos3
  for i in $(seq 1 "$copies"); do cp "$work/$name-24mp.jpg" "$work/src/$name-$i.jpg"; done
done
sources=("$work"/src/*.jpg)
n=${#sources[@]}
echo "$n photos, $(du -ch "${sources[@]}" | tail -1 | cut -f1) in all; $(nproc) cores; two workers per tool"
echo

# Runs a command under GNU time; sets $secs and $rss_mb (peak RSS of the largest process).
timed() {
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null
  read -r secs rss_kb <"$t"; rss_mb=$(( rss_kb / 1024 )); rm -f "$t"
}

# Mean SSIM of every output in $1 against the reference folder $2.
mean_ssim() {
  local out=$1 ref=$2 total=0 count=0
  for r in "$ref"/*.png; do
    name=$(basename "$r" .png)
    for o in "$out"/"$name"-*.*; do
      total=$(echo "$total + $($ssim ssim "$r" "$o")" | bc -l); count=$((count + 1))
    done
  done
  echo "scale=4; $total / $count" | bc -l
}

row() { # tool secs rss outdir refdir
  local bytes; bytes=$(cat "$4"/* | wc -c)
  printf "%-16s %8.2f %10d %8.4f %8d\n" "$1" "$(echo "$n / $2" | bc -l)" "$((bytes / n / 1024))" "$(mean_ssim "$4" "$5")" "$3"
}

header() {
  echo "$1"
  printf "%-16s %8s %10s %8s %8s\n" tool photos/s "KB/photo" SSIM "peak MB"
}

export VIPS_CONCURRENCY=1
header "2560 px WebP q82"
mkdir -p "$work/out/folio" "$work/out/vips" "$work/out/cwebp"
timed "$folio" convert "${sources[@]}" --out "$work/out/folio" --format webp --quality 82 --max-edge 2560 --jobs 2
row "folio convert" "$secs" "$rss_mb" "$work/out/folio" "$work/ref"
folio_webp_secs=$secs
timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''vips thumbnail "$1" "$2/$(basename "$1" .jpg).webp[Q=82,strip]" 2560'\'' _ {} "'"$work/out/vips"'"' _ "${sources[@]}"
row "vips thumbnail" "$secs" "$rss_mb" "$work/out/vips" "$work/ref"
timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''w=$(vipsheader -f width "$1"); h=$(vipsheader -f height "$1"); if [ "$w" -ge "$h" ]; then size="2560 0"; else size="0 2560"; fi; cwebp -quiet -q 82 -resize $size "$1" -o "$2/$(basename "$1" .jpg).webp"'\'' _ {} "'"$work/out/cwebp"'"' _ "${sources[@]}"
row "cwebp" "$secs" "$rss_mb" "$work/out/cwebp" "$work/ref"
timed "$folio" convert "${sources[@]}" --out "$work/out/folio-1" --format webp --quality 82 --max-edge 2560 --jobs 1
echo "folio with one worker: $(echo "$n / $secs" | bc -l | cut -c1-4) photos/s, peak RSS ${rss_mb} MB (goal: ≤ 150 MB per worker)"
echo

# AVIF out at the preset's quality (82, as the WebP rows): folio encodes with libheif's AV1
# encoder (libaom) at its fast speed, mapping 82 to libheif's 71 (just above the quality whose
# SSIM matches WebP q82's); libvips uses the same libheif and libaom at that same quality, at its default
# effort. SSIM is read from PNG copies (libvips decodes the AVIF), so the one SSIM tool reads
# both. Goals: folio's AVIF time at most twice its WebP time, and its files smaller than its
# WebP ones at the same SSIM.
webp_secs=$folio_webp_secs
webp_kb=$(( $(cat "$work"/out/folio/* | wc -c) / n / 1024 ))
header "2560 px AVIF (folio q82 → libheif 71; vips Q=71)"
mkdir -p "$work/out/folio-avif" "$work/out/vips-avif"
timed "$folio" convert "${sources[@]}" --out "$work/out/folio-avif" --format avif --quality 82 --max-edge 2560 --jobs 2
folio_avif_secs=$secs
avif_row() { # tool secs rss outdir
  local png=$4-png; mkdir -p "$png"
  for o in "$4"/*.avif; do vips copy "$o" "$png/$(basename "$o" .avif).png" 2>/dev/null; done
  local bytes; bytes=$(cat "$4"/*.avif | wc -c)
  printf "%-16s %8.2f %10d %8.4f %8d\n" "$1" "$(echo "$n / $2" | bc -l)" "$((bytes / n / 1024))" "$(mean_ssim "$png" "$work/ref")" "$3"
}
avif_row "folio convert" "$secs" "$rss_mb" "$work/out/folio-avif"
folio_avif_kb=$(( $(cat "$work"/out/folio-avif/*.avif | wc -c) / n / 1024 ))
if vips -l 2>/dev/null | grep -c heifsave >/dev/null; then
  timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''vips thumbnail "$1" "$2/$(basename "$1" .jpg).avif[Q=71,compression=av1,strip]" 2560'\'' _ {} "'"$work/out/vips-avif"'"' _ "${sources[@]}"
  avif_row "vips thumbnail" "$secs" "$rss_mb" "$work/out/vips-avif"
else
  echo "vips thumbnail   (this libvips writes no HEIF/AVIF)"
fi
echo "folio AVIF time / folio WebP time: $(echo "$folio_avif_secs / $webp_secs" | bc -l | cut -c1-4) (goal: ≤ 2)"
echo "folio AVIF bytes / folio WebP bytes: $(echo "$folio_avif_kb / $webp_kb" | bc -l | cut -c1-4) (goal: < 1 at the same SSIM; compare the SSIM columns)"
echo

header "256 px thumbnails (JPEG q80)"
mkdir -p "$work/thumb/folio" "$work/thumb/vips"
timed "$folio" thumbnail "${sources[@]}" --out "$work/thumb/folio" --size 256 --jobs 2
row "folio thumbnail" "$secs" "$rss_mb" "$work/thumb/folio" "$work/ref256"
timed sh -c 'printf "%s\n" "$@" | xargs -P2 -n $(( ($# + 1) / 2 )) vipsthumbnail -s 256 -o "'"$work/thumb/vips"'/%s.jpg[Q=80,strip]"' _ "${sources[@]}"
row "vipsthumbnail" "$secs" "$rss_mb" "$work/thumb/vips" "$work/ref256"

# HEIC in: 12 MP (an iPhone's 4032 px), made from the same photos with libheif's heif-enc.
echo
header "HEIC in (12 MP), 2560 px WebP q82"
mkdir -p "$work/heic" "$work/out/folio-heic" "$work/out/vips-heic" "$work/out/heif-convert"
for f in "$work"/*-24mp.jpg; do
  name=$(basename "$f" -24mp.jpg)
  vips thumbnail "$f" "$work/heic/$name.png" 4032 --size both
  heif-enc -q 60 -o "$work/heic/$name-1.heic" "$work/heic/$name.png" >/dev/null
  rm "$work/heic/$name.png"
done
heics=("$work"/heic/*.heic)
all=$n; n=${#heics[@]}
timed "$folio" convert "${heics[@]}" --out "$work/out/folio-heic" --format webp --quality 82 --max-edge 2560 --jobs 2
row "folio convert" "$secs" "$rss_mb" "$work/out/folio-heic" "$work/ref"
if vips -l 2>/dev/null | grep -c heifload >/dev/null; then
  timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''vips thumbnail "$1" "$2/$(basename "$1" .heic).webp[Q=82,strip]" 2560'\'' _ {} "'"$work/out/vips-heic"'"' _ "${heics[@]}"
  row "vips thumbnail" "$secs" "$rss_mb" "$work/out/vips-heic" "$work/ref"
else
  echo "vips thumbnail   (this libvips reads no HEIF)"
fi
# heif-convert only decodes to a full-size JPEG: the floor for any tool that decodes with libheif.
timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''heif-convert -q 82 "$1" "$2/$(basename "$1" .heic).jpg" >/dev/null'\'' _ {} "'"$work/out/heif-convert"'"' _ "${heics[@]}"
printf "%-16s %8.2f %10s %8s %8d   (decode + full-size JPEG, no resize)\n" "heif-convert" "$(echo "$n / $secs" | bc -l)" "-" "-" "$rss_mb"
n=$all

# RAW in: 24 MP DNGs made from the same photos (folio-bench dng: a 16-bit RGGB mosaic recorded
# warm, so white balance, demosaic, camera matrix and tone curve all run). Twice: raw data only
# (a full develop), and with the photo embedded full size as a JPEG preview, as cameras do
# (then the preview is the rendition's source).
echo
header "RAW in (24 MP DNG), 2560 px WebP q82"
mkdir -p "$work/raw" "$work/raw-preview" "$work/out/folio-raw" "$work/out/folio-raw-preview" "$work/out/dcraw"
for f in "$work"/*-24mp.jpg; do
  name=$(basename "$f" -24mp.jpg)
  "$ssim" dng "$f" "$work/raw/$name-1.dng"
  "$ssim" dng "$f" "$work/raw-preview/$name-1.dng" --preview
done
raws=("$work"/raw/*.dng)
all=$n; n=${#raws[@]}
timed "$folio" convert "${raws[@]}" --out "$work/out/folio-raw" --format webp --quality 82 --max-edge 2560 --jobs 2
row "folio (develop)" "$secs" "$rss_mb" "$work/out/folio-raw" "$work/ref"
timed "$folio" convert "$work"/raw-preview/*.dng --out "$work/out/folio-raw-preview" --format webp --quality 82 --max-edge 2560 --jobs 2
row "folio (preview)" "$secs" "$rss_mb" "$work/out/folio-raw-preview" "$work/ref"
if vips -l 2>/dev/null | grep -c dcrawload >/dev/null; then
  mkdir -p "$work/out/vips-raw"
  timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''vips thumbnail "$1" "$2/$(basename "$1" .dng).webp[Q=82,strip]" 2560'\'' _ {} "'"$work/out/vips-raw"'"' _ "${raws[@]}"
  row "vips thumbnail" "$secs" "$rss_mb" "$work/out/vips-raw" "$work/ref"
else
  echo "vips thumbnail   (libvips $(vips --version | cut -d- -f2) reads no camera raw: dcrawload came in 8.15)"
fi
if command -v dcraw_emu >/dev/null; then
  # LibRaw's develop (camera white balance, AHD), then libvips to the same WebP.
  timed sh -c 'printf "%s\n" "$@" | xargs -P2 -I{} sh -c '\''dcraw_emu -w -T -Z - "$1" | vips thumbnail_source [descriptor=0] "$2/$(basename "$1" .dng).webp[Q=82,strip]" 2560'\'' _ {} "'"$work/out/dcraw"'"' _ "${raws[@]}"
  row "dcraw_emu + vips" "$secs" "$rss_mb" "$work/out/dcraw" "$work/ref"
else
  echo "dcraw_emu        (not installed: apt-get install libraw-bin)"
fi
n=$all
