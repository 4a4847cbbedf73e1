# FindCAF: the C++ Actor Framework 0.17 as Debian installs it (headers and libcaf_*.so, no CMake package).
#
#   find_package(CAF 0.17.6 REQUIRED COMPONENTS core io openssl)
#
# Imported targets: CAF::core, CAF::io (uses core), CAF::openssl (uses io and OpenSSL).
# Variables: CAF_FOUND, CAF_VERSION, CAF_INCLUDE_DIR, CAF_<COMPONENT>_FOUND. Hint: CAF_ROOT.
include(FindPackageHandleStandardArgs)

find_path(CAF_INCLUDE_DIR NAMES caf/config.hpp HINTS ${CAF_ROOT} ENV CAF_ROOT PATH_SUFFIXES include)

# caf/config.hpp says "#define CAF_VERSION 1706" for 0.17.6.
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line REGEX "^#define CAF_VERSION [0-9]+")
  if(_caf_version_line MATCHES "CAF_VERSION ([0-9]+)")
    set(_caf_number ${CMAKE_MATCH_1})
    math(EXPR _caf_major "${_caf_number} / 10000")
    math(EXPR _caf_minor "${_caf_number} / 100 % 100")
    math(EXPR _caf_patch "${_caf_number} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
endif()

# Every component needs core; openssl also needs io.
set(_caf_wanted core ${CAF_FIND_COMPONENTS})
if(openssl IN_LIST _caf_wanted)
  list(APPEND _caf_wanted io)
endif()
list(REMOVE_DUPLICATES _caf_wanted)

foreach(_caf_component IN LISTS _caf_wanted)
  string(TOUPPER ${_caf_component} _caf_upper)
  find_library(CAF_${_caf_upper}_LIBRARY NAMES caf_${_caf_component}
               HINTS ${CAF_ROOT} ENV CAF_ROOT PATH_SUFFIXES lib lib64)
  if(CAF_${_caf_upper}_LIBRARY)
    set(CAF_${_caf_component}_FOUND TRUE)
  else()
    set(CAF_${_caf_component}_FOUND FALSE)
  endif()
  mark_as_advanced(CAF_${_caf_upper}_LIBRARY)
endforeach()

find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR CAF_CORE_LIBRARY VERSION_VAR CAF_VERSION
                                  HANDLE_COMPONENTS)
mark_as_advanced(CAF_INCLUDE_DIR)

if(CAF_FOUND)
  include(CMakeFindDependencyMacro)
  find_dependency(Threads)
  if(CAF_openssl_FOUND)
    find_dependency(OpenSSL)
  endif()
  set(_caf_links_core Threads::Threads)
  set(_caf_links_io CAF::core)
  set(_caf_links_openssl CAF::io OpenSSL::SSL OpenSSL::Crypto)
  foreach(_caf_component core io openssl)
    string(TOUPPER ${_caf_component} _caf_upper)
    if(CAF_${_caf_component}_FOUND AND NOT TARGET CAF::${_caf_component})
      add_library(CAF::${_caf_component} SHARED IMPORTED)
      set_target_properties(CAF::${_caf_component} PROPERTIES
        IMPORTED_LOCATION "${CAF_${_caf_upper}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${_caf_links_${_caf_component}}"
        INTERFACE_COMPILE_FEATURES cxx_std_17)
    endif()
  endforeach()
endif()
