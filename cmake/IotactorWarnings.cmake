# iotactor_set_warnings(target): the project's warning set, as errors unless IOTACTOR_WERROR is off.
function(iotactor_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  if(IOTACTOR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
