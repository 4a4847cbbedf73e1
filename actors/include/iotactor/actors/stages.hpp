// Spawn functions of the pipeline's stages. The client actor wires them; tests may spawn them alone.
#pragma once

#include <memory>

#include "iotactor/actors/connection_options.hpp"
#include "iotactor/actors/interfaces.hpp"
#include "iotactor/actors/io_runtime.hpp"
#include "iotactor/actors/offline_queue_state.hpp"
#include "iotactor/actors/session_state.hpp"

namespace iotactor {

/// Bytes <-> packets for one attempt. It spawns its connection; until the transport is up it reports a
/// failed attempt to the client, afterwards everything goes to the session.
codec_actor spawn_codec(caf::actor_system& sys, std::shared_ptr<io_runtime> io,
                        std::shared_ptr<const connection_options> options, session_actor session,
                        client_actor client, protocol::protocol_version version,
                        std::uint32_t maximum_packet_size, bool deliver_on_io_thread = true);

/// The session; it reports to the client and the router and admits operations from the queue. The options
/// are shared, not copied: a client keeps one set for all of its stages.
session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_options> options,
                            client_actor client, router_actor router);

offline_queue_actor spawn_offline_queue(caf::actor_system& sys, offline_queue_options options,
                                        protocol::protocol_version version, session_actor session,
                                        client_actor client);

router_actor spawn_router(caf::actor_system& sys);

}  // namespace iotactor
