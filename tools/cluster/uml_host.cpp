#include "tools/cluster/uml_host.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "tools/cluster/host_network.hpp"
#include "tools/cluster/node_process.hpp"

namespace stratus::tools {
namespace {

/// Enough for stratus-node with a few roles; the kernel takes it from a
/// sparse file, so only what is used costs memory here.
constexpr const char* uml_memory = "256M";

/// What a network agent builds, as modules of the UML kernel.
constexpr const char* uml_modules = "8021q ip_gre bridge veth vxlan";

/// The init script; @NAME@ are filled in. Everything it prints goes to the
/// node's log. A step the node cannot do without powers off with code 1.
constexpr const char* init_template = R"(#!/bin/sh
# Written by stratus-launch: init of a user-mode Linux host (tools/cluster/uml_host.hpp).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LANG=C
exec >>@LOG@ 2>&1 </dev/null
fail() { echo "uml init: $*"; echo 1 >/proc/exitcode; poweroff -ff; exit 1; }
mount -t proc proc /proc || fail 'cannot mount /proc'
mount -t sysfs sysfs /sys || fail 'cannot mount /sys'
# Private to this kernel: through hostfs, /run/netns would be the machine's.
mount -t tmpfs -o mode=0755 tmpfs /run || fail 'cannot mount /run'
# modprobe looks in <dir>/lib/modules/<release>; the package keeps them elsewhere.
release=$(uname -r)
mkdir -p /run/uml-modules/lib/modules
ln -s /usr/lib/uml/modules/$release /run/uml-modules/lib/modules/$release
modprobe -d /run/uml-modules -a @MODULES@ ||
  echo 'uml init: some modules did not load; the agent reports what is missing'
ip link set lo up || fail 'lo'
ip link set vec0 name @UL@ && ip addr add @CIDR@ dev @UL@ && ip link set @UL@ up ||
  fail 'underlay @UL@'
ip link set vec1 name @PV@ && ip link set @PV@ up || fail 'provider @PV@'
echo "uml init: kernel $release up, @UL@ @CIDR@, starting the node"
@NODE@ --config @CONFIG@
code=$?
echo "uml init: stratus-node exited with code $code; powering off"
echo $code >/proc/exitcode
poweroff -ff
)";

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

/// A word for sh: single quotes, a quote inside as '\''.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s)
    out += ch == '\'' ? std::string{"'\\''"} : std::string(1, ch);
  return out + "'";
}

/// A kernel command line splits at blanks and cannot quote.
void check_kernel_word(const std::string& what, const std::string& value) {
  if (value.empty() || value.find_first_of(" \t\n\"") != std::string::npos)
    throw std::runtime_error(what + " \"" + value +
                             "\" cannot go on a user-mode Linux command line (blank or quote)");
}

} // namespace

void check_uml_kernel() {
  if (::access(uml_kernel, X_OK) != 0)
    throw std::runtime_error(std::string{"host_kind = \"uml\" needs "} + uml_kernel +
                             " (Debian package user-mode-linux, with kmod; tools/setup.sh "
                             "installs both)");
}

void write_uml_init(const uml_boot& b) {
  check_kernel_word("the init script", b.init_script.string());
  check_kernel_word("the tap", b.underlay_tap);
  check_kernel_word("the tap", b.provider_tap);
  std::string text = init_template;
  replace_all(text, "@LOG@", shell_quote(b.log.string()));
  replace_all(text, "@MODULES@", uml_modules);
  replace_all(text, "@UL@", underlay_device);
  replace_all(text, "@PV@", provider_device);
  replace_all(text, "@CIDR@", b.tunnel_cidr);
  replace_all(text, "@NODE@", shell_quote(b.node_binary.string()));
  replace_all(text, "@CONFIG@", shell_quote(b.node_config.string()));
  std::filesystem::create_directories(b.init_script.parent_path());
  {
    std::ofstream out(b.init_script, std::ios::trunc);
    out << text;
    if (!out.flush())
      throw std::runtime_error("cannot write " + b.init_script.string());
  }
  using p = std::filesystem::perms;
  std::filesystem::permissions(b.init_script, p::owner_all | p::group_read | p::group_exec |
                                                  p::others_read | p::others_exec);
}

pid_t start_uml_host(const uml_boot& b) {
  check_uml_kernel();
  write_uml_init(b);
  return start_process({uml_kernel, std::string{"mem="} + uml_memory, "rootfstype=hostfs",
                        "rootflags=/", "rw", "quiet", "init=" + b.init_script.string(),
                        // The console is the log; no other terminals.
                        "con=null", "con0=fd:0,fd:1", "vec0:transport=tap,ifname=" + b.underlay_tap,
                        "vec1:transport=tap,ifname=" + b.provider_tap},
                       b.log);
}

} // namespace stratus::tools
