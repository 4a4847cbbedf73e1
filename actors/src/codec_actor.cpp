// codec actor: the streaming decoder and the encoder of one connection, batching packets both ways. It owns
// the connection's transport (the bytes-only Asio side), which reports straight to it.
#include <atomic>

#include "iotactor/actors/inline_unit.hpp"
#include "iotactor/actors/stages.hpp"
#include "iotactor/protocol/decoder.hpp"
#include "iotactor/protocol/describe.hpp"
#include "iotactor/protocol/encoder.hpp"
#include "packet_writer.hpp"
#include "transport.hpp"

namespace iotactor {

namespace {

/// The inbound half: it runs on the transport's strand, so a read is decoded where it was read and its
/// packets reach the session in one hop. They are sent as the codec: the session tells connections apart by
/// sender.
struct inbound_decoder {
  protocol::stream_decoder decoder;
  protocol::protocol_version version;
  caf::actor_addr codec_address;  // weak: the codec owns this through its transport
  session_actor session;
  std::shared_ptr<inline_gate> gate;  // with client_config::deliver_on_io_thread; closed as the codec ends
  std::atomic<bool> failed{false};    // a malformed stream: nothing more is decoded; read by the codec actor

  /// Hands the packets to the session and runs it here, on the I/O thread, with what it makes ready (the
  /// router and the handlers): see inline_unit. Waking a worker for every read cost a context switch each.
  void deliver(caf::strong_actor_ptr codec, packet_batch packets) {
    if (!gate) {
      caf::send_as(caf::actor_cast<codec_actor>(codec), session, packets_atom::value, std::move(packets));
      return;
    }
    auto* dest = caf::actor_cast<caf::abstract_actor*>(session);
    std::optional<inline_unit> unit;
    if (!gate->enter(unit, dest->home_system())) return;  // the codec has ended: so has this connection
    dest->enqueue(caf::make_mailbox_element(std::move(codec), caf::make_message_id(), {}, packets_atom::value,
                                            std::move(packets)),
                  &*unit);
    unit->run();
  }

  void on_data(detail::transport& t, const std::uint8_t* data, std::size_t size) {
    if (failed) return;
    auto codec_ptr = caf::actor_cast<caf::strong_actor_ptr>(codec_address);
    if (!codec_ptr) return;  // the codec is gone; so is this connection
    auto codec = caf::actor_cast<codec_actor>(codec_ptr);
    packet_batch packets;
    auto err = decoder.feed(data, size, packets);
    if (!packets.empty()) deliver(std::move(codec_ptr), std::move(packets));
    if (!err) return;
    // Malformed bytes end the connection with the reason code the decoder names.
    failed = true;
    if (version == protocol::protocol_version::v5) {
      protocol::disconnect d;
      d.reason = err->code;
      protocol::bytes out;
      if (!protocol::encode(d, version, out)) t.write(buffer_batch{protocol::shared_bytes(std::move(out))});
    }
    t.shutdown();
    caf::send_as(
        codec, session, down_atom::value,
        failure{errc::protocol_error, "the server sent a malformed packet: " + protocol::to_string(*err)});
  }
};

struct codec_state {
  protocol::protocol_version version = protocol::protocol_version::v5;
  std::shared_ptr<detail::transport> transport;
  std::shared_ptr<inbound_decoder> inbound;
  packet_writer_ptr writer;
  bool up = false;
  static inline const char* name = "iotactor.codec";
};

codec_actor::behavior_type codec_fn(codec_actor::stateful_pointer<codec_state> self,
                                    std::shared_ptr<io_runtime> io,
                                    std::shared_ptr<const connection_options> options, session_actor session,
                                    client_actor client, protocol::protocol_version version,
                                    std::uint32_t maximum_packet_size, bool deliver_on_io_thread) {
  auto& st = self->state;
  st.version = version;
  auto me = caf::actor_cast<codec_actor>(self);
  st.inbound = std::make_shared<inbound_decoder>();
  st.inbound->decoder = protocol::stream_decoder(version, maximum_packet_size);
  st.inbound->version = version;
  st.inbound->codec_address = self->address();
  st.inbound->session = session;
  auto gate = deliver_on_io_thread ? std::make_shared<inline_gate>() : nullptr;
  st.inbound->gate = gate;
  st.transport = detail::make_transport(
      io, std::move(options), me,
      [inbound = st.inbound](detail::transport& t, const std::uint8_t* data, std::size_t size) {
        inbound->on_data(t, data, size);
      },
      gate);
  st.writer = std::make_shared<packet_writer>(st.transport, version);
  st.transport->start();
  // The state is gone when attachables run: capture the transport itself, and the io_runtime it runs on
  // (its strand must still exist when abort() posts to it).
  self->attach_functor([io, gate, transport = st.transport](const caf::error&) {
    if (gate) gate->close();  // late: see the exit handler
    transport->abort();
  });
  // The gate closes before the codec ends, while its system still counts it as running: an I/O thread that
  // still holds the codec must not make an inline_unit of a system that may be gone by then.
  if (gate)
    self->set_exit_handler([self, gate](caf::exit_msg& msg) {
      gate->close();
      self->quit(msg.reason);
    });
  return {
      [self, session](up_atom) {
        self->state.up = true;
        self->send(session, attach_atom::value, caf::actor_cast<codec_actor>(self), self->state.writer);
      },
      [self, session, client](down_atom, failure& why) {
        auto& s = self->state;
        if (!s.inbound->failed) {  // a malformed stream was reported to the session already
          if (s.up)
            self->send(session, down_atom::value, std::move(why));
          else
            self->send(client, offline_atom::value,
                       connection_close{make_error_code(why.code), why.message, {}, {}, {}});
        }
        if (s.inbound->gate) s.inbound->gate->close();
        self->quit();
      },
      [self](shutdown_atom) { self->state.transport->shutdown(); },
  };
}

}  // namespace

codec_actor spawn_codec(caf::actor_system& sys, std::shared_ptr<io_runtime> io,
                        std::shared_ptr<const connection_options> options, session_actor session,
                        client_actor client, protocol::protocol_version version,
                        std::uint32_t maximum_packet_size, bool deliver_on_io_thread) {
  return sys.spawn(codec_fn, std::move(io), std::move(options), std::move(session), std::move(client),
                   version, maximum_packet_size, deliver_on_io_thread);
}

}  // namespace iotactor
