# Runs iotactor-protocol-demo on the captured mosquitto session and checks what it prints.
execute_process(COMMAND ${DEMO} ${CAPTURES}/mosquitto_sub_v5.client-to-server.bin
                        ${CAPTURES}/mosquitto_sub_v5.server-to-client.bin
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "demo exited with ${status}: ${err}\n${out}")
endif()
set(expected
  "CONNECT version=5 client_id=\"demo-sub\" keep_alive=60 clean_start=1 {receive_maximum=2}"
  "SUBSCRIBE packet_id=1 \"sensors/+/temperature\"(qos=1) {subscription_identifier=7}"
  "PUBACK packet_id=2 reason=0x00 success"
  "DISCONNECT reason=0x00 success"
  "5 packets; fed one byte at a time: the same packets"
  "SUBACK packet_id=1 reasons=[0x01 granted QoS 1]"
  "PUBLISH topic=\"sensors/hall/temperature\" qos=1 packet_id=2 payload=\"19.0\" {payload_format_indicator=1, response_topic=\"replies/hall\", subscription_identifier=7}"
  "4 packets; fed one byte at a time: the same packets")
foreach(line IN LISTS expected)
  string(FIND "${out}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing line: ${line}\n--- output ---\n${out}")
  endif()
endforeach()

# A malformed stream (PUBLISH with QoS 3) ends with exit status 1 and names the fault.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/malformed.bin "6")
execute_process(COMMAND ${DEMO} ${CMAKE_CURRENT_BINARY_DIR}/malformed.bin RESULT_VARIABLE status OUTPUT_VARIABLE out)
if(NOT status EQUAL 1 OR NOT out MATCHES "PUBLISH: QoS is 3 \\(reason code 0x81 malformed packet\\)")
  message(FATAL_ERROR "malformed stream: status ${status}, output:\n${out}")
endif()
