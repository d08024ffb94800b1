#!/usr/bin/env bash
# Installs what vktensor's build and tests need on a fresh Debian/Ubuntu
# machine: the Vulkan loader, Mesa's lavapipe (Vulkan on the CPU, so GPU
# tests run anywhere), the validation layer, glslc, spirv-tools and MinGW
# (for CI's Windows cross build); then the Go modules (MNIST ships inside one
# of them). Safe to run repeatedly: it installs only what is missing.
set -euo pipefail
pkgs=(libvulkan1 mesa-vulkan-drivers vulkan-validationlayers glslc spirv-tools gcc-mingw-w64-x86-64)
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
go mod download
