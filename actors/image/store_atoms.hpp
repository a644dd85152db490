#pragma once
// The messages between the image actor and its store workers (local only).

#include <caf/atom.hpp>

namespace stratus::image {

using begin_atom = caf::atom_constant<caf::atom("begin")>;
using piece_atom = caf::atom_constant<caf::atom("piece")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using abort_atom = caf::atom_constant<caf::atom("abort")>;
using locate_atom = caf::atom_constant<caf::atom("locate")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;

} // namespace stratus::image
