#pragma once
// The project's one CAF type-ID block. Every message type is listed here
// once; the CAF actor system registers the block, and the wire registry
// walks it to learn every decoder, so a message added here is known to both.

#include <caf/type_id.hpp>

#include "messages/api.hpp"
#include "messages/cluster.hpp"
#include "messages/compute.hpp"
#include "messages/console.hpp"
#include "messages/context.hpp"
#include "messages/error.hpp"
#include "messages/identity.hpp"
#include "messages/image.hpp"
#include "messages/network.hpp"
#include "messages/storage.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(stratus, caf::first_custom_type_id)

  // -- shared records
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::error))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::auth))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::context))

  // -- cluster (echo role)
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::echo_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::echo_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::echo_notice))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::count_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::count_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::crash_request))

  // -- management namespace
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::peer_status))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::actor_status))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::describe_node_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::describe_node_reply))

  // -- storage (conductor)
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::record_entry))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::put_record_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::put_record_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_record_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_record_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::delete_record_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::delete_record_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::list_records_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::list_records_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::record_write))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::write_records_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::write_records_reply))

  // -- API operations (gateway -> roles)
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::named_value))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_call_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_call_reply))

  // -- identity
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::token_info))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::validate_token_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::validate_token_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::revocation_event))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::watch_revocations_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::revocations_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::revocation_notice))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::rotate_keys_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::rotate_keys_reply))
  // -- streamed API bodies (gateway -> roles)
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_stream_open_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_stream_open_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_stream_piece_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_stream_piece_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::api_stream_close_request))
  // -- image
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::image_chunk_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::image_chunk_reply))
  // -- compute
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::build_servers_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::build_servers_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_instance_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_instance_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_instances_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_instances_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_instance_actions_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_instance_actions_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_hosts_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_hosts_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_host_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_host_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::report_host_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::report_host_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::host_selection))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::select_destinations_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::select_destinations_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::build_instance_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::build_instance_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::instance_action_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::instance_action_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::attach_interface_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::attach_interface_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::detach_interface_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::detach_interface_reply))
  // -- network
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::report_agent_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::report_agent_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_host_ports_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_host_ports_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_port_status_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::update_port_status_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::allocate_ports_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::allocate_ports_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::deallocate_ports_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::deallocate_ports_reply))
  // -- consoles
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_console_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::get_console_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::authorize_console_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::authorize_console_reply))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::check_console_token_request))
  CAF_ADD_TYPE_ID(stratus, (stratus::msg::check_console_token_reply))

CAF_END_TYPE_ID_BLOCK(stratus)

namespace stratus::msg {

/// Calls `f.template operator()<T>()` for every type of the block.
template <class F>
void for_each_message_type(F&& f) {
  [&]<caf::type_id_t... Is>(std::integer_sequence<caf::type_id_t, Is...>) {
    (f.template operator()<typename caf::type_by_id<caf::id_block::stratus::begin + Is>::type>(), ...);
  }(std::make_integer_sequence<caf::type_id_t,
                               caf::id_block::stratus::end - caf::id_block::stratus::begin>{});
}

} // namespace stratus::msg
