#!/usr/bin/env bash
# CI for the live training view window (cmd/mnist-gpu -view, build tag
# glfw): trains one short epoch on lavapipe in a window on a virtual X
# server (Xvfb) with the Vulkan validation layer on, takes a screenshot of
# the window and checks that it shows the frame: not black, right size,
# and the digit grid, curves, weights and header equal to the off-screen
# render (-snapshot) of the same frame. Installs what it needs (Debian).
# Usage: .ci/view-test.sh [SCREENSHOT.png]  (keeps the screenshot there)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}

pkgs=(xvfb xauth x11-utils imagemagick libx11-dev libxrandr-dev libxinerama-dev
  libxcursor-dev libxi-dev libxxf86vm-dev libgl-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "view-test: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
./scripts/setup.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "view-test: building with -tags glfw"
go build -tags glfw -o "$tmp/mnist-gpu" ./cmd/mnist-gpu

# Inside the X server: train, wait for the "training done" hold, take the
# window's screenshot, then end the program with SIGTERM (a clean exit).
cat >"$tmp/inner.sh" <<'EOF'
set -u
cd "$1"
VKT_VALIDATE=1 ./mnist-gpu -view -device llvmpipe -limit 512 -epochs 1 -snapshot snap.png >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 150); do
  grep -q "training done" err.txt && break
  kill -0 "$pid" 2>/dev/null || { echo "view-test: mnist-gpu exited early"; cat out.txt err.txt; exit 1; }
  sleep 1
done
grep -q "training done" err.txt || { echo "view-test: no 'training done' after 150s"; cat out.txt err.txt; kill "$pid"; exit 1; }
sleep 1
id=$(xwininfo -root -tree | awk '/"vktensor: MNIST training"/ {print $1; exit}')
[ -n "$id" ] || { echo "view-test: no window titled 'vktensor: MNIST training'"; xwininfo -root -tree; kill "$pid"; exit 1; }
import -window "$id" shot.png
kill -TERM "$pid"
wait "$pid"
echo "mnist-gpu exit status $?" >>out.txt
EOF
echo "view-test: training in a window under Xvfb"
timeout 240 xvfb-run -a -s "-screen 0 1280x800x24" bash "$tmp/inner.sh" "$tmp"
cat "$tmp/out.txt"
[ -z "$keep" ] || cp "$tmp/shot.png" "$keep"

fail=0
grep -q "mnist-gpu exit status 0" "$tmp/out.txt" || { echo "view-test: FAIL: mnist-gpu did not exit cleanly"; fail=1; }
if grep -q "vulkan validation" "$tmp/err.txt"; then
  echo "view-test: FAIL: validation messages:"; grep "vulkan validation" "$tmp/err.txt" | head -20; fail=1
fi
size=$(identify -format '%wx%h' "$tmp/shot.png")
[ "$size" = "1024x600" ] || { echo "view-test: FAIL: screenshot is $size, want 1024x600"; fail=1; }
mean=$(convert "$tmp/shot.png" -colorspace Gray -format '%[fx:mean]' info:)
echo "view-test: screenshot mean brightness $mean"
awk -v m="$mean" 'BEGIN { exit !(m > 0.05) }' || { echo "view-test: FAIL: screenshot is (nearly) black"; fail=1; }

# Regions of view.DefaultLayout (x y w h) that the window and the snapshot
# draw from the same inputs; the footer line differs and is left out.
while read -r name x y w h; do
  convert "$tmp/shot.png" -crop "${w}x${h}+${x}+${y}" +repage "$tmp/a.png"
  convert "$tmp/snap.png" -crop "${w}x${h}+${x}+${y}" +repage "$tmp/b.png"
  rmse=$(compare -metric RMSE "$tmp/a.png" "$tmp/b.png" null: 2>&1 | sed -n 's/.*(\(.*\)).*/\1/p')
  echo "view-test: $name: normalized RMSE window vs snapshot = ${rmse:-?}"
  awk -v e="${rmse:-1}" 'BEGIN { exit !(e < 0.02) }' || { echo "view-test: FAIL: $name differs"; fail=1; }
done <<'EOF'
header 0 0 1024 48
digits 16 64 512 512
curves 552 64 456 200
weights 552 304 456 228
EOF
# A right prediction's border is green, a wrong one's red (both occur
# after one short epoch).
colors=$(convert "$tmp/shot.png" -crop 512x512+16+64 +repage -format %c histogram:info:)
grep -qi "#50D050" <<<"$colors" || { echo "view-test: FAIL: no green (right prediction) border"; fail=1; }
grep -qi "#F04040" <<<"$colors" || { echo "view-test: FAIL: no red (wrong prediction) border"; fail=1; }
((fail == 0)) && echo "view-test: ok"
exit $fail
