#pragma once
// Whether KVM can run guests here. /dev/kvm alone is not enough: a PVM
// host has it without the CPU's virtualisation extensions (vmx/svm), and
// guests hang there, so such hosts use software emulation (TCG).

#include <fstream>
#include <string>

#include <unistd.h>

namespace stratus::hypervisor {

inline bool kvm_usable() {
  if (access("/dev/kvm", F_OK) != 0)
    return false;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("flags", 0) == 0)
      return line.find(" vmx") != std::string::npos || line.find(" svm") != std::string::npos;
  return false;
}

} // namespace stratus::hypervisor
