// The Asio side of one connection attempt: resolve, TCP connect, optional TLS handshake, read loop, gather
// writes. Lives on the io_context's strand; reports to its codec actor by message only.
#pragma once

#include <functional>
#include <memory>

#include "iotactor/actors/connection_options.hpp"
#include "iotactor/actors/inline_unit.hpp"
#include "iotactor/actors/interfaces.hpp"
#include "iotactor/actors/io_runtime.hpp"

namespace iotactor::detail {

class transport;

/// Takes each read on the transport's strand (so it must not block, nor touch actor state); what it makes of
/// the bytes it sends on as messages.
using data_handler = std::function<void(transport& self, const std::uint8_t* data, std::size_t size)>;

class transport {
 public:
  virtual ~transport() = default;

  /// Starts connecting; reports up_atom, then hands every read to the data handler, and reports one
  /// down_atom at the end.
  virtual void start() = 0;

  /// Sends buffers, from any thread, in the order of the calls: straight to the socket when nothing is
  /// queued (plain TCP), else behind what is queued, gathered into one write. Ignored after shutdown() or
  /// abort().
  virtual void write(buffer_batch buffers) = 0;

  /// Closes after the writes made before it are done.
  virtual void shutdown() = 0;

  /// Closes now; no further reports.
  virtual void abort() = 0;
};

/// The transport takes a connection slot of the runtime (io_runtime::begin_connect) before it connects and
/// gives it back when the first bytes arrive or the attempt ends. It drops the owner and the handler when
/// it reports down or is aborted. With `inline_reports` the owner handles up_atom and down_atom on the I/O
/// thread (send_inline), as the data handler's packets do with client_config::deliver_on_io_thread.
std::shared_ptr<transport> make_transport(std::shared_ptr<io_runtime> runtime,
                                          std::shared_ptr<const connection_options> options,
                                          codec_actor owner, data_handler on_data,
                                          std::shared_ptr<inline_gate> inline_reports);

}  // namespace iotactor::detail
