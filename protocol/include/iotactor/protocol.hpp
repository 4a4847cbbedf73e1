// Everything of the MQTT wire-format layer in one include.
#pragma once

#include "iotactor/protocol/decoder.hpp"
#include "iotactor/protocol/describe.hpp"
#include "iotactor/protocol/encoder.hpp"
#include "iotactor/protocol/error.hpp"
#include "iotactor/protocol/packet_id_allocator.hpp"
#include "iotactor/protocol/packets.hpp"
#include "iotactor/protocol/properties.hpp"
#include "iotactor/protocol/reason_code.hpp"
#include "iotactor/protocol/shared_bytes.hpp"
#include "iotactor/protocol/topic.hpp"
#include "iotactor/protocol/topic_matcher.hpp"
#include "iotactor/protocol/types.hpp"
