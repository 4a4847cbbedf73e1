// connection actor: the actor face of one transport. Bytes only; knows nothing about MQTT.
#include "iotactor/actors/stages.hpp"
#include "transport.hpp"

namespace iotactor {

namespace {

struct connection_state {
  std::shared_ptr<io_runtime> io;  // outlives the transport that runs on it
  std::shared_ptr<detail::transport> transport;
  static inline const char* name = "iotactor.connection";
};

connection_actor::behavior_type connection_fn(connection_actor::stateful_pointer<connection_state> self,
                                              std::shared_ptr<io_runtime> io, connection_options options,
                                              codec_actor codec) {
  self->state.io = io;
  self->state.transport =
      detail::make_transport(io->context(), std::move(options), caf::actor_cast<connection_actor>(self));
  self->state.transport->start();
  // The state is gone when attachables run: capture the transport itself, and the io_runtime it runs on
  // (its strand must still exist when abort() posts to it).
  self->attach_functor([io, transport = self->state.transport](const caf::error&) { transport->abort(); });
  return {
      [self](write_atom, buffer_batch& buffers) { self->state.transport->write(std::move(buffers)); },
      [self](shutdown_atom) { self->state.transport->shutdown(); },
      [self, codec](up_atom) { self->send(codec, up_atom::value); },
      [self, codec](data_atom, chunk& bytes) { self->send(codec, data_atom::value, std::move(bytes)); },
      [self, codec](down_atom, failure& why) {
        self->send(codec, down_atom::value, std::move(why));
        self->quit();
      },
  };
}

}  // namespace

connection_actor spawn_connection(caf::local_actor* parent, std::shared_ptr<io_runtime> io,
                                  connection_options options, codec_actor codec) {
  return parent->spawn<caf::linked>(connection_fn, std::move(io), std::move(options), std::move(codec));
}

}  // namespace iotactor
