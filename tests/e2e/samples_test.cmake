# Runs a sample against a mosquitto started by scripts/with-mosquitto and checks what it prints.
# -DSAMPLE=<program> -DSCRIPT=<with-mosquitto> -DEXPECT=<lines separated by |> -DARGS=<extra args separated by |>
string(REPLACE "|" ";" expected "${EXPECT}")
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${SCRIPT} ${SAMPLE} --endpoint 127.0.0.1 --port {port} ${args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${SAMPLE} exited with ${status}\n${out}\n${err}")
endif()
foreach(line IN LISTS expected)
  string(FIND "${out}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing: ${line}\n--- output ---\n${out}")
  endif()
endforeach()
