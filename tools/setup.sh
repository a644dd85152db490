#!/usr/bin/env bash
# Installs every Debian package Stratus needs to build, test and run.
# Idempotent: quiet and fast when everything is already present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # libraries (see docs: every one is found by CMakeLists.txt)
  libcaf-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev liblmdb-dev
  libvirt-dev libnl-route-3-dev libnftables-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libcrypt-dev
  # runtime tools used by the launcher and the tests
  iproute2 iputils-ping procps lmdb-utils
  # nft, to look at what the agents enforce (security groups, routers' NAT)
  nftables
  # DHCP for tenant networks (the agent runs dnsmasq) and for stand-in guests
  # (udhcpc); static, so the tiny real guest's initramfs can carry it
  dnsmasq-base busybox-static
  # real guests (hypervisor = "qemu"): libvirtd, QEMU (TCG where KVM cannot
  # run), qemu-img for the disks' overlays
  libvirt-daemon-system qemu-system-x86 qemu-utils
  # the console role serves noVNC's files; the console test opens them in a browser
  novnc chromium
  # user-mode Linux test hosts (host_kind = "uml"): a kernel with VLAN and GRE
  user-mode-linux kmod
  # interoperability checks against the reference implementations, and the
  # real OpenStack client the acceptance tests drive
  python3 python3-cryptography python3-openstackclient python3-osc-placement tempest
  # HTTP load generator for the benchmarks
  wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
